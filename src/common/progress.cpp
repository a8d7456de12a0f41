#include "hwnas/common/progress.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include <fmt/format.h>

namespace hwnas {

namespace {

std::atomic<bool> g_disabled{false};
std::mutex g_mutex;  // guards g_line and the writes to stderr
std::string g_line;  // what is drawn now ("" when nothing)
bool g_suspended = false;

void write_all(const std::string& s) {
  std::size_t off = 0;
  while (off < s.size()) {
    const ssize_t n = ::write(STDERR_FILENO, s.data() + off, s.size() - off);
    if (n <= 0) return;
    off += std::size_t(n);
  }
}

std::size_t terminal_width() {
  winsize w{};
  if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &w) == 0 && w.ws_col > 10) return w.ws_col;
  return 100;
}

// Draws `line` (locked), cut to the terminal's width so it never wraps.
void draw(std::string line) {
  const std::size_t width = terminal_width() - 1;
  if (line.size() > width) line.resize(width);
  g_line = line;
  if (!g_suspended) write_all("\r" + line + "\x1b[K");
}

}  // namespace

bool progress_enabled() {
  if (g_disabled.load()) return false;
  static const bool tty = [] {
    const char* term = std::getenv("TERM");
    const char* env = std::getenv("HWNAS_PROGRESS");
    return ::isatty(STDERR_FILENO) && term && *term && std::strcmp(term, "dumb") != 0 &&
           !(env && std::strcmp(env, "0") == 0);
  }();
  return tty;
}

void set_progress_enabled(bool on) {
  g_disabled.store(!on);
}

void progress_suspend() {
  std::lock_guard<std::mutex> lock(g_mutex);
  if (!g_line.empty() && !g_suspended) write_all("\r\x1b[K");
  g_suspended = true;
}

void progress_resume() {
  std::lock_guard<std::mutex> lock(g_mutex);
  g_suspended = false;
  if (!g_line.empty()) write_all("\r" + g_line + "\x1b[K");
}

std::string format_duration(double s) {
  if (!std::isfinite(s) || s < 0) return "?";
  const long t = std::lround(s);
  if (t >= 3600) return fmt::format("{}h{:02}m", t / 3600, (t % 3600) / 60);
  if (t >= 60) return fmt::format("{}m{:02}s", t / 60, t % 60);
  return fmt::format("{}s", t);
}

ProgressLine::ProgressLine(std::string what, std::int64_t total, std::int64_t start,
                           std::string unit)
    : what_(std::move(what)),
      unit_(std::move(unit)),
      total_(total),
      start_(start),
      t0_(std::chrono::steady_clock::now()) {
  active_ = progress_enabled();
}

ProgressLine::~ProgressLine() {
  if (!active_) return;
  std::lock_guard<std::mutex> lock(g_mutex);
  if (!g_line.empty() && !g_suspended) write_all("\r\x1b[K");
  g_line.clear();
}

std::string ProgressLine::text(std::int64_t done, double seconds, const std::string& figure) const {
  const double rate = seconds > 0 ? double(done - start_) / seconds : 0;
  const double pct = total_ > 0 ? 100.0 * double(done) / double(total_) : 0;
  std::string s = fmt::format("{} {}/{} {}s ({:.0f}%)", what_, done, total_, unit_, pct);
  if (rate > 0) {
    s += rate >= 1 ? fmt::format(" | {:.1f} {}/s", rate, unit_)
                   : fmt::format(" | {:.1f} s/{}", 1 / rate, unit_);
    s += " | ETA " + format_duration(double(total_ - done) / rate);
  }
  if (!figure.empty()) s += " | " + figure;
  return s;
}

void ProgressLine::update(std::int64_t done, const std::string& figure) {
  if (!active_) return;
  const auto now = std::chrono::steady_clock::now();
  if (done < total_ && now - last_draw_ < std::chrono::milliseconds(200)) return;
  last_draw_ = now;
  const double seconds = std::chrono::duration<double>(now - t0_).count();
  std::lock_guard<std::mutex> lock(g_mutex);
  draw(text(done, seconds, figure));
}

}  // namespace hwnas
