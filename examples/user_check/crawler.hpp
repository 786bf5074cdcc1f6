// crawler.hpp: a crawler's worker pool. A feeder hands URLs to fetchers; each
// fetcher fetches a page (it takes a while, on the virtual clock) and hands it
// to the collector, which stops when it has every page or when done closes.
//
// The bug hides well: the buggy fetcher watches done while it waits for a URL,
// so most cancellation points end every fiber. Only when done closes while a
// fetcher holds a page (after the fetch, before the collector takes it) does the
// fetcher block for good on `pages`: the collector has stopped receiving.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "fibercheck/fibercheck.hpp"

namespace examples::user_check {

struct Page {
  std::string url;
  std::size_t bytes = 0;
};

inline Page fetch(const std::string& url) {
  // A network round trip that ignores cancellation, as many clients do.
  (void)fibercheck::sleep_for(fibercheck::Done{},
                              std::chrono::milliseconds(10 * (1 + url.size() % 3)));
  return Page{url, url.size() * 100};
}

inline std::vector<Page> crawl(fibercheck::Done done, const std::vector<std::string>& urls,
                               int fetchers, bool buggy) {
  fibercheck::Scope scope(done);
  fibercheck::Chan<std::string> todo(0, "todo");
  fibercheck::Chan<Page> pages(0, "pages");
  scope.spawn("feeder", [todo, urls](fibercheck::Done d) {
    for (const std::string& u : urls)
      if (todo.send(d, u) != fibercheck::Status::ok) break;
    todo.close();
  });
  for (int i = 0; i < fetchers; ++i) {
    scope.spawn("fetcher-" + std::to_string(i), [todo, pages, buggy](fibercheck::Done d) {
      while (auto url = todo.recv(d)) {
        Page p = fetch(*url);
        // Buggy: a plain send. Fixed: the send gives up when done closes.
        const fibercheck::Status st =
            buggy ? pages.send(std::move(p)) : pages.send(d, std::move(p));
        if (st != fibercheck::Status::ok) return;
      }
    });
  }
  std::vector<Page> got;
  while (got.size() < urls.size()) {
    auto p = pages.recv(done);
    if (!p) break;  // done closed: stop collecting
    got.push_back(std::move(*p));
  }
  return got;  // the scope closes its done and joins every fetcher
}

}  // namespace examples::user_check
