#include "fibercheck/sched/dfs.hpp"

#include <algorithm>
#include <stdexcept>
#include <vector>

namespace fibercheck::sched {

namespace {

// What a stretch of steps touched: primitive name hashes, the fibers that ran, or
// everything.
struct Footprint {
  std::vector<std::uint64_t> objects;
  std::vector<std::uint64_t> fibers;
  bool all = false;

  void add(const ChoiceDetail& d) {
    all = all || d.touched_all;
    for (auto h : d.touched)
      if (std::find(objects.begin(), objects.end(), h) == objects.end()) objects.push_back(h);
    for (auto f : d.ran)
      if (std::find(fibers.begin(), fibers.end(), f) == fibers.end()) fibers.push_back(f);
  }
};

// A fiber whose step from an ancestor choice was already explored, with what that step
// touched; whether taking it there was a preemption, and whether the fiber running
// when the step ended could have gone on (so that switching away then preempts).
struct Sleeper {
  std::uint64_t fiber = 0;
  Footprint step;
  bool preempted = false;
  bool continues = false;
};

// A sleeper stays asleep across a stretch only if its step commutes with it.
bool stays_asleep(const Sleeper& s, const Footprint& stretch) {
  if (s.step.all || stretch.all) return false;
  if (std::find(stretch.fibers.begin(), stretch.fibers.end(), s.fiber) != stretch.fibers.end())
    return false;
  for (auto h : s.step.objects)
    if (std::find(stretch.objects.begin(), stretch.objects.end(), h) != stretch.objects.end())
      return false;
  return true;
}

bool asleep(const std::vector<Sleeper>& sleep, std::uint64_t fiber) {
  return std::any_of(sleep.begin(), sleep.end(),
                     [&](const Sleeper& s) { return s.fiber == fiber; });
}

struct Frame {
  ChoiceDetail detail;
  std::uint32_t chosen = 0;
  std::vector<std::uint32_t> todo;  // alternatives still to run, in order
  std::vector<Sleeper> explored;    // options already run here (schedule choices)
  std::vector<Sleeper> sleep;       // the sleep set on reaching this choice
  int preemptions_before = 0;
  Footprint stretch;            // the steps from this choice to the next one, in the last run
  Footprint step;               // the chosen fiber's whole step: up to the next schedule choice
  bool step_continues = false;  // at that next schedule choice, the running fiber can go on

  [[nodiscard]] bool preempts(std::uint32_t option) const {
    return detail.kind == ChoiceKind::schedule && detail.running_can_continue &&
           option != detail.default_index;
  }
};

// Footprint of the chosen option's step at choice j: a select or value choice happens inside
// the running fiber's step, so the step runs on to the next schedule choice.
Footprint step_from(const std::vector<ChoiceDetail>& d, std::size_t j) {
  Footprint f;
  f.add(d[j]);
  for (std::size_t k = j + 1; k < d.size() && d[k].kind != ChoiceKind::schedule; ++k) f.add(d[k]);
  return f;
}

// Whether the running fiber can go on at the first schedule choice after choice j's
// step (false when the run ends first).
bool continues_after(const std::vector<ChoiceDetail>& d, std::size_t j) {
  std::size_t k = j + 1;
  while (k < d.size() && d[k].kind != ChoiceKind::schedule) ++k;
  return k < d.size() && d[k].running_can_continue;
}

// Sleep sets and a preemption bound. A sleeper q explored at choice s stands for every
// schedule s.w.q.u (w: the steps since, which commute with q's) by s.q.w.u, which
// was explored only if it stayed within the bound. Moving q's step forward costs
// pre(s.q.w.u) - pre(s.w.q.u) <= [q preempted at s] + [q's step ends with a fiber that
// could go on, and w's first step switches from it] - [w's first step preempted at s]:
// the switch into q at the end of w and the switch out of q into u cost no more than
// the switch out of w into u they replace. Only when that is at most zero is every
// schedule the sleeper hides within the bound also reached within it (Coons, Musuvathi
// and McKinley, "Bounded partial-order reduction", OOPSLA 2013, show the unbounded
// rule loses schedules). In practice: the default, once explored, sleeps through the
// preempting alternatives; another option only if its step ends with no fiber that
// could go on and, if taking it preempted, taking w's first step did too. Applied with
// ExploreOptions::reduction_sound_within_bound; a bound no run can reach (at least max_steps) needs
// no such care.
bool sleeps_within_bound(const Sleeper& q, bool w_preempted) {
  return (q.preempted ? 1 : 0) + (q.continues ? 1 : 0) <= (w_preempted ? 1 : 0);
}

class Dfs {
 public:
  Dfs(const AttemptRunner& run_one, const ExploreOptions& o, ExploreReport& r)
      : run_one_(run_one), opt_(o), report_(r) {}

  // Explores the schedules for one cancellation point. Returns false when stopped
  // (failure or run cap); sets reached_cancel when some run cancelled at `cancel`.
  bool explore(std::optional<std::uint64_t> cancel, bool& reached_cancel) {
    path_.clear();
    cancel_ = cancel;
    std::size_t forced = 0;  // the prefix of path_ the next run replays
    for (;;) {
      if (report_.schedules >= opt_.max_runs) return false;
      Attempt a;
      a.strategy.kind = StrategyKind::replay;
      for (std::size_t i = 0; i < forced; ++i) a.strategy.choices.push_back(path_[i].chosen);
      if (cancel) a.strategy.fair_from_step = *cancel;
      a.cancel_step = cancel;
      Outcome out;
      const bool failed = run_one_(a, out);
      ++report_.schedules;
      if (cancel && out.cancelled_at_step && *out.cancelled_at_step >= *cancel)
        reached_cancel = true;
      if (failed) {
        report_.failed = true;
        a.strategy.choices = out.choices;
        a.strategy.fair_from_step = UINT64_MAX;  // every choice is recorded: replay needs no rule
        report_.failure = a;
        report_.outcome = std::move(out);
        return false;
      }
      absorb(out, forced);
      if (!backtrack(forced)) return true;
    }
  }

 private:
  // Extends the path with the choices of a run that replayed path_[0, forced).
  void absorb(const Outcome& out, std::size_t forced) {
    const auto& d = out.choice_detail;
    if (d.size() < forced || out.choices.size() != d.size())
      throw std::runtime_error(
          "fibercheck dfs: a replayed run made fewer choices than its prefix; "
          "the program under test is not deterministic");
    for (std::size_t i = 0; i < forced; ++i) {
      if (out.choices[i] != path_[i].chosen || d[i].count != path_[i].detail.count)
        throw std::runtime_error("fibercheck dfs: choice " + std::to_string(i) +
                                 " differs on replay; the program under test is not deterministic "
                                 "(real time, threads, or shared state outside fibercheck?)");
    }
    if (forced > 0) {  // the alternative just taken: what it touched is new
      Frame& f = path_[forced - 1];
      f.stretch = Footprint{};
      f.stretch.add(d[forced - 1]);
      f.step = step_from(d, forced - 1);
      f.step_continues = continues_after(d, forced - 1);
    }
    path_.resize(forced);
    for (std::size_t j = forced; j < d.size(); ++j) {
      // After the cancellation point: fair, not explored. Done closes once `cancel`
      // steps have run, so a select made inside the last of them (recorded with step ==
      // cancel) still comes before it. Cutting it too would make what is explored depend
      // on the order of commuting steps: the same select falls in step cancel - 1 in one
      // order and in step cancel in another, and the reduction runs only one of them.
      if (cancel_ &&
          (d[j].step > *cancel_ || (d[j].step == *cancel_ && d[j].kind == ChoiceKind::schedule)))
        break;
      Frame f;
      f.detail = d[j];
      f.chosen = out.choices[j];
      f.stretch.add(d[j]);
      f.step = step_from(d, j);
      f.step_continues = continues_after(d, j);
      if (j > 0) {
        const Frame& p = path_[j - 1];
        f.preemptions_before = p.preemptions_before + (p.preempts(p.chosen) ? 1 : 0);
        if (opt_.reduction) {
          for (const Sleeper& s : p.sleep)
            if (stays_asleep(s, p.stretch)) f.sleep.push_back(s);
          // Options explored at p fall asleep for p's later options; within a bound
          // that can cut, and asked to, only those that keep it (sleeps_within_bound).
          const bool keep_bound =
              opt_.reduction_sound_within_bound &&
              static_cast<std::uint64_t>(std::max(opt_.max_preemptions, 0)) < opt_.max_steps;
          for (const Sleeper& s : p.explored)
            if (stays_asleep(s, p.stretch) &&
                (!keep_bound || sleeps_within_bound(s, p.preempts(p.chosen))))
              f.sleep.push_back(s);
        }
      }
      const bool schedule = f.detail.kind == ChoiceKind::schedule;
      const bool redundant = schedule && asleep(f.sleep, f.detail.option_ids[f.chosen]);
      for (std::uint32_t o = 0; o < f.detail.count; ++o) {
        if (o == f.chosen) continue;
        if (f.preemptions_before + (f.preempts(o) ? 1 : 0) > opt_.max_preemptions) continue;
        if (schedule && asleep(f.sleep, f.detail.option_ids[o])) {
          ++report_.pruned;
          continue;
        }
        f.todo.push_back(o);
      }
      path_.push_back(std::move(f));
      // The default ran a fiber whose step was already explored in another order:
      // everything below repeats a schedule seen before, so branch no deeper.
      if (redundant) break;
    }
  }

  // Moves to the deepest choice with an untried alternative; false when none is left.
  bool backtrack(std::size_t& forced) {
    while (!path_.empty() && path_.back().todo.empty()) path_.pop_back();
    if (path_.empty()) return false;
    Frame& f = path_.back();
    if (f.detail.kind == ChoiceKind::schedule && opt_.reduction &&
        !asleep(f.sleep, f.detail.option_ids[f.chosen]))
      f.explored.push_back(
          Sleeper{f.detail.option_ids[f.chosen], f.step, f.preempts(f.chosen), f.step_continues});
    f.chosen = f.todo.front();
    f.todo.erase(f.todo.begin());
    forced = path_.size();
    return true;
  }

  const AttemptRunner& run_one_;
  const ExploreOptions& opt_;
  ExploreReport& report_;
  std::vector<Frame> path_;
  std::optional<std::uint64_t> cancel_;
};

}  // namespace

std::string ExploreReport::summary(const ExploreOptions& o) const {
  std::string s = std::to_string(schedules) + " schedules, " + std::to_string(cancel_points) +
                  " cancellation points, ";
  const bool proof = !o.reduction || o.reduction_sound_within_bound;
  if (exhausted) {
    s += proof ? "exhausted" : "covered but NOT exhausted (the fast reduction may skip schedules)";
  } else {
    s += failed ? "stopped at a failure" : "NOT exhausted (run cap)";
  }
  s += " within " + std::to_string(o.max_preemptions) + " preemptions";
  if (o.reduction) s += ", " + std::to_string(pruned) + " branches pruned by reduction";
  return s;
}

ExploreReport explore_attempts(const AttemptRunner& run_one, const ExploreOptions& options) {
  ExploreReport r;
  Dfs dfs(run_one, options, r);
  if (!options.cancellation_points) {
    bool reached = false;
    ++r.cancel_points;
    r.exhausted = dfs.explore(std::nullopt, reached);
    return r;
  }
  for (std::uint64_t c = 0;; ++c) {
    if (c > options.max_cancel_step) return r;  // not exhausted: later points untried
    bool reached = false;
    ++r.cancel_points;
    if (!dfs.explore(c, reached)) return r;
    if (!reached) break;  // no run got to step c: every later point repeats these runs
  }
  r.exhausted = true;
  return r;
}

ExploreReport explore(const std::function<void(Done)>& root, const ExploreOptions& options,
                      source_location site) {
  return explore_attempts(
      [&](const Attempt& a, Outcome& out) {
        RunOptions o;
        o.strategy = a.strategy;
        o.cancel_at_step = a.cancel_step;
        o.cancel_when_idle = true;
        o.max_steps = options.max_steps;
        o.record_choice_detail = true;
        out = run(root, o, site);
        return !out.clean();
      },
      options);
}

ExploreReport explore(const std::function<void()>& root, const ExploreOptions& options,
                      source_location site) {
  ExploreOptions o = options;
  o.cancellation_points = false;
  return explore_attempts(
      [&](const Attempt& a, Outcome& out) {
        RunOptions ro;
        ro.strategy = a.strategy;
        ro.max_steps = o.max_steps;
        ro.record_choice_detail = true;
        out = run(root, ro, site);
        return !out.clean();
      },
      o);
}

}  // namespace fibercheck::sched
