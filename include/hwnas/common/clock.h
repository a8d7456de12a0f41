#pragma once
// Wall-clock timing of runs (progress lines, ETAs, reported seconds).
#include <chrono>

namespace hwnas {

using Clock = std::chrono::steady_clock;

inline double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

}  // namespace hwnas
