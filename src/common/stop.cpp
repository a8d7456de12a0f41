#include "hwnas/common/stop.h"

#include <sched.h>

#include <csignal>

namespace hwnas {

namespace {
std::atomic<bool> g_stop{false};
void on_signal(int) {
  g_stop.store(true);
}
}  // namespace

std::atomic<bool>& stop_requested() {
  return g_stop;
}

void install_stop_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

bool pin_to_cpus(int first, int n) {
  if (first < 0 || n < 1 || first + n > CPU_SETSIZE) return false;
  cpu_set_t set;
  CPU_ZERO(&set);
  for (int i = first; i < first + n; ++i) CPU_SET(i, &set);
  return sched_setaffinity(0, sizeof set, &set) == 0;
}

}  // namespace hwnas
