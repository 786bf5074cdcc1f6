#include "cli/command_line.hpp"

#include <memory>
#include <vector>

#include "util/numbers.hpp"

namespace fibercheck::cli {

namespace {

// At most 40 characters of what the user typed, so a message never echoes a huge argument.
std::string shown(const std::string& arg) { return arg.substr(0, 40); }

bool looks_like_option(const std::string& arg) { return arg.size() > 1 && arg[0] == '-'; }

std::string flag_of(const std::string& arg) { return shown(arg.substr(0, arg.find('='))); }

// "a", "a and b", "a, b and c".
std::string join_names(const std::vector<std::string>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i)
    out += (i == 0 ? "" : i + 1 == names.size() ? " and " : ", ") + names[i];
  return out;
}

// "run: " before what a command was given; nothing for a program's own arguments.
std::string speaker(const CLI::App& app) {
  return app.get_parent() == nullptr ? "" : app.get_name() + ": ";
}

bool takes_options(const CLI::App& app) {
  return !app.get_options([&app](const CLI::Option* o) { return o != app.get_help_ptr(); }).empty();
}

// The other commands of `app`'s program that take `flag`.
std::vector<std::string> commands_taking(const CLI::App& app, const std::string& flag) {
  std::vector<std::string> names;
  const CLI::App* program = app.get_parent();
  if (program == nullptr) return names;
  for (const CLI::App* other : program->get_subcommands({}))
    if (other != &app && other->get_option_no_throw(flag) != nullptr)
      names.push_back(other->get_name());
  return names;
}

std::string misplaced_option(const CLI::App& app, const std::string& flag) {
  const std::vector<std::string> owners = commands_taking(app, flag);
  if (owners.empty()) return speaker(app) + "unknown option " + flag;
  return "option " + flag + " does not apply to " + app.get_name() +
         (takes_options(app) ? "" : ", which takes no options") + "; " + flag + " belongs to " +
         join_names(owners);
}

// `arg` left over after the argument `app` takes, if it takes one.
std::string stray_argument(const CLI::App& app, const std::string& arg) {
  const std::string what = speaker(app) + "unexpected argument '" + shown(arg) + "'";
  const std::vector<const CLI::Option*> own = app.get_options(
      [](const CLI::Option* o) { return o->get_positional() && o->get_expected_max() == 1; });
  if (own.empty()) return what;
  return what + "; " + app.get_name() + " takes one " + own.front()->get_name(true) + ": " +
         own.front()->get_description();
}

void reject_repeated_values(const CLI::App& app) {
  for (const CLI::Option* o : app.get_options()) {
    if (o->get_positional() || o->get_type_size() == 0 || o->count() < 2) continue;
    throw UsageError("option " + o->get_name() + " is given " + std::to_string(o->count()) +
                     " times; give it once");
  }
}

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// CLI11's messages for the mistakes it catches itself, in the drivers' words.
std::string describe(const CLI::ParseError& e) {
  const std::string what = e.what();
  if (e.get_name() == "ArgumentMismatch") {
    // "--cases: 1 required N missing"
    if (const auto colon = what.find(": ");
        colon != std::string::npos && ends_with(what, " missing"))
      return "option " + shown(what.substr(0, colon)) + " expects a value after it";
    // "trace was given a disallowed flag override"
    if (const auto end = what.find(" was given a disallowed flag override");
        end != std::string::npos) {
      std::string flag = shown(what.substr(0, end));
      if (flag.rfind('-', 0) != 0) flag = "--" + flag;
      return "option " + flag + " takes no value; write " + flag + " alone";
    }
  }
  return what;
}

// What stood where a command belongs.
std::string no_command(const CLI::App& program) {
  const std::vector<std::string> extras = program.remaining();
  if (extras.empty()) return "missing command";
  const std::string& first = extras.front();
  if (looks_like_option(first))
    return "unknown option " + flag_of(first) + " (a command comes first, then its options)";
  return "unknown command '" + shown(first) + "'";
}

// CLI11's help layout, with one blank line between groups of options where CLI11
// puts two.
class HelpLayout : public CLI::Formatter {
 public:
  std::string make_help(const CLI::App* app, std::string name,
                        CLI::AppFormatMode mode) const override {
    if (mode == CLI::AppFormatMode::Sub) return make_expanded(app);
    return make_description(app) + make_usage(app, name) + make_positionals(app) +
           option_groups(app) + make_subcommands(app, mode) + "\n" + make_footer(app);
  }

 private:
  std::string option_groups(const CLI::App* app) const {
    std::string out;
    for (const std::string& group : app->get_groups()) {
      const std::vector<const CLI::Option*> options = app->get_options(
          [&group](const CLI::Option* o) { return o->get_group() == group && o->nonpositional(); });
      if (!group.empty() && !options.empty()) out += make_group(group, false, options);
    }
    return out;
  }
};

}  // namespace

void use_conventions(CLI::App& app) {
  auto layout = std::make_shared<HelpLayout>();
  layout->label("Usage", "usage");
  layout->label("SUBCOMMAND", "COMMAND");
  layout->label("Positionals", "Arguments");
  layout->column_width(24);
  app.formatter(layout);
  app.set_help_flag("-h,--help", "print this help and exit");
  // Arguments the program or a command does not take are kept, so that
  // check_arguments() can say why (CLI11 would only list them).
  app.allow_extras();
}

CLI::App* add_command(CLI::App& program, const std::string& name, const std::string& help) {
  return program.add_subcommand(name, help)->group("Commands");
}

CLI::Option* add_value(CLI::App& app, const std::string& flag, const std::string& type,
                       const std::string& help) {
  return app.add_option(flag, help)
      ->type_name(type)
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
}

CLI::Option* add_switch(CLI::App& app, const std::string& flag, const std::string& help) {
  return app.add_flag(flag, help)->disable_flag_override();
}

bool given(const CLI::App& app, const std::string& flag) {
  return app.get_option(flag)->count() > 0;
}

std::optional<std::string> text(const CLI::App& app, const std::string& flag) {
  const CLI::Option* o = app.get_option(flag);
  if (o->count() == 0) return std::nullopt;
  return o->results().back();
}

std::uint64_t whole(const CLI::App& app, const std::string& flag, std::uint64_t fallback,
                    std::uint64_t lo, std::uint64_t hi) {
  const std::optional<std::string> value = text(app, flag);
  if (!value) return fallback;
  const numbers::OptionNumber n = numbers::option_number(flag, *value, lo, hi);
  if (!n.error.empty()) throw UsageError(n.error);
  return n.value;
}

double seconds(const CLI::App& app, const std::string& flag) {
  const std::optional<std::string> value = text(app, flag);
  if (!value) return 0;
  const numbers::Seconds s = numbers::parse_seconds(*value);
  if (!s.ok) {
    std::string message = "option " + flag + ": '";
    message += shown(*value);
    message +=
        "' is not a number of seconds; expected digits, optionally with a '.' and more "
        "digits (30, 0.5), at most 1000000000";
    throw UsageError(message);
  }
  return s.value;
}

bool parse(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {  // --help, --version
    app.exit(e);
    return false;
  } catch (const CLI::ParseError& e) {
    const bool wants_command = app.get_require_subcommand_min() > 0;
    if (wants_command && app.get_subcommands().empty()) throw UsageError(no_command(app));
    throw UsageError(describe(e));
  }
  return true;
}

void check_arguments(const CLI::App& app) {
  reject_repeated_values(app);
  const std::vector<std::string> extras = app.remaining();
  if (extras.empty()) return;
  const std::string& arg = extras.front();
  if (looks_like_option(arg)) throw UsageError(misplaced_option(app, flag_of(arg)));
  throw UsageError(stray_argument(app, arg));
}

std::string usage_hint(const CLI::App& program) {
  const std::vector<CLI::App*> chosen = program.get_subcommands();
  if (program.get_subcommands({}).empty())
    return "(`" + program.get_name() + " --help` lists its options)";
  if (chosen.empty()) return "(`" + program.get_name() + " --help` lists the commands)";
  return "(`" + program.get_name() + " " + chosen.front()->get_name() +
         " --help` lists its options)";
}

const CLI::App& chosen_command(const CLI::App& program) {
  const std::vector<CLI::App*> chosen = program.get_subcommands();
  if (chosen.empty()) throw UsageError(no_command(program));
  const CLI::App& command = *chosen.front();
  if (const std::vector<std::string> before = program.remaining(); !before.empty())
    throw UsageError("'" + shown(before.front()) + "' comes before the command " +
                     command.get_name() + "; write the command first, then its options");
  check_arguments(command);
  return command;
}

}  // namespace fibercheck::cli
