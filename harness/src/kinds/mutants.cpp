// mutants.cpp: the list of mutant kinds, each a real leak bug from Go code.
#include "kinds/builtin.hpp"

namespace fibercheck::harness::bundled {

KindInfo leak_recv_nil();
KindInfo leak_send_unread();
KindInfo leak_range_unclosed();
KindInfo leak_no_close();
KindInfo leak_no_done();
KindInfo leak_select_send();
KindInfo leak_busy();
KindInfo leak_timer();

std::vector<KindInfo> mutant_kinds() {
  return {leak_recv_nil(), leak_send_unread(), leak_range_unclosed(), leak_no_close(),
          leak_no_done(),  leak_select_send(), leak_busy(),           leak_timer()};
}

}  // namespace fibercheck::harness::bundled
