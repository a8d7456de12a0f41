#pragma once
// Progress of long work on a terminal: one line redrawn in place (what,
// done/total, rate, ETA, the latest key figure). Where stderr is not a
// terminal (a file, a pipe, CI) or under --json, nothing is drawn and the
// work logs its periodic plain lines as before. Plain ANSI: "\r" and
// "erase to end of line" (ESC [K), which every terminal emulator in use
// understands; no curses.
#include <chrono>
#include <cstdint>
#include <string>

namespace hwnas {

/// Whether progress lines are drawn: stderr is a terminal, TERM is set and
/// not "dumb", HWNAS_PROGRESS is not "0", and set_progress_enabled(false)
/// (the CLI's --json and every rank but 0 of a launched run) was not called.
bool progress_enabled();
void set_progress_enabled(bool on);

/// Log sinks call these around each message: the line is erased, the
/// message printed, the line drawn again below it.
void progress_suspend();
void progress_resume();

class ProgressLine {
 public:
  /// `done` counts from `start` (a resumed run) up to `total`; `unit` names
  /// what is counted ("step", "candidate").
  ProgressLine(std::string what, std::int64_t total, std::int64_t start = 0,
               std::string unit = "step");
  ~ProgressLine();  ///< erases the line
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

  /// Redraws (at most 5 times a second, and at the end) when enabled.
  void update(std::int64_t done, const std::string& figure = "");
  /// The text drawn for `done` after `seconds` (tests, and the redraw).
  std::string text(std::int64_t done, double seconds, const std::string& figure) const;

 private:
  std::string what_, unit_;
  std::int64_t total_, start_;
  std::chrono::steady_clock::time_point t0_, last_draw_{};
  bool active_ = false;
};

/// "1h02m", "3m05s", "42s".
std::string format_duration(double seconds);

}  // namespace hwnas
