#pragma once
// Cooperative stop on SIGINT/SIGTERM: long jobs (training, profiling) poll
// stop_requested() at safe points, save their state and exit 130.
#include <atomic>

namespace hwnas {

std::atomic<bool>& stop_requested();
/// Installs handlers that set stop_requested() (instead of killing the process).
void install_stop_handlers();

/// Pins this process (and the threads it starts later) to CPUs
/// first..first+n-1, so timings do not migrate between cores. Returns false
/// when the OS refuses (or those CPUs do not exist).
bool pin_to_cpus(int first, int n);
inline bool pin_to_first_cpus(int n) {
  return pin_to_cpus(0, n);
}

}  // namespace hwnas
