#pragma once
// `hwnas report`: what a person wants to see of a run, rebuilt from run
// directories alone (their resolved config, events and the files each
// command writes): report.md with PNG plots, and optionally one
// self-contained report.html. Torch-free.
#include <string>
#include <vector>

namespace hwnas::report {

struct Options {
  std::vector<std::string> runs;  ///< run directories, in the order shown
  std::string out;                ///< the report folder (created whole or not at all)
  bool html = false;              ///< also report.html, images inline
  bool force = false;             ///< replace an earlier report folder at `out`
};

struct Result {
  std::string out;
  std::vector<std::string> files;     ///< written, relative to `out`
  std::vector<std::string> warnings;  ///< where a file stopped being readable
  /// A JSON-lines file had an unreadable line before its last one (damage,
  /// not the cut-off last line an interrupted run can leave): the report
  /// covers what came before it, and the command exits 2.
  bool damaged = false;
};

/// The default folder: RUN/report for one run; several runs need `out`.
std::string default_out(const std::vector<std::string>& runs);

/// Writes the report. Throws InputError (nothing written) when a path is not
/// a run directory, a run's config cannot be read, `out` exists and is not an
/// earlier report (or `force` is false), or gnuplot is missing.
Result write_report(const Options& o);

}  // namespace hwnas::report
