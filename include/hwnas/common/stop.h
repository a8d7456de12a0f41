#pragma once
// Cooperative stop on SIGINT/SIGTERM: long jobs (training, profiling) poll
// stop_requested() at safe points, save their state and exit 130.
#include <atomic>

namespace hwnas {

std::atomic<bool>& stop_requested();
/// Installs handlers that set stop_requested() (instead of killing the process).
void install_stop_handlers();

}  // namespace hwnas
