#pragma once
// What every harness shares: an InputError is how hwnas refuses a bad
// input; anything else (a crash, another exception, an allocation over
// -rss_limit_mb, a run over -timeout) is a finding.
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>
#include <utility>

#include "hwnas/common/error.h"

namespace hwnas::fuzz {

template <class F>
void refuse_cleanly(F&& body) {
  try {
    body();
  } catch (const InputError&) {
  }
}

inline std::string text_of(const std::uint8_t* data, std::size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

/// A folder of this process's own in tmpfs (or /tmp), for readers that take paths.
inline const std::string& scratch_dir() {
  static const std::string dir = [] {
    const char* base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    std::string d = std::string(base) + "/hwnas-fuzz-" + std::to_string(getpid());
    std::string cmd = "mkdir -p " + d;
    if (std::system(cmd.c_str()) != 0) std::abort();
    return d;
  }();
  return dir;
}

inline std::string write_scratch(const std::string& name, const std::string& bytes) {
  const std::string path = scratch_dir() + "/" + name;
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
  return path;
}

/// The input cut in two: its first 4 bytes (little-endian) give the first
/// part's length, clamped to what follows (tools/fuzz.sh writes seeds so).
inline std::pair<std::string, std::string> two_parts(const std::string& text) {
  if (text.size() < 4) return {text, ""};
  std::uint32_t n = 0;
  for (int i = 3; i >= 0; --i) n = (n << 8) | std::uint8_t(text[std::size_t(i)]);
  const std::size_t first = std::min<std::size_t>(n, text.size() - 4);
  return {text.substr(4, first), text.substr(4 + first)};
}

}  // namespace hwnas::fuzz
