#pragma once
// A run directory as a report sees it: which command wrote it and the
// records of its files, read leniently (a cut-off or damaged JSON-lines file
// gives the records before the bad line, and says where it stopped).
#include <memory>
#include <string>
#include <vector>

#include "hwnas/common/document.h"

namespace hwnas::report {

/// The records of a JSON-lines file (none when it is missing).
struct Lines {
  std::vector<json> records;
  std::string stopped;   ///< "file:N: why" when a line could not be read
  bool damaged = false;  ///< the bad line was not the last one
};
Lines read_lines(const std::string& path);

enum class RunKind { Search, Train, Validation, Sweep };

struct RunData {
  std::string path, label;
  RunKind kind = RunKind::Search;
  json config;           ///< the resolved config (search, train)
  std::string strategy;  ///< search: the strategy type
  std::vector<json> events, candidates, arch_probs, pareto;
  json validation;                   ///< report.json of `latency validate`
  json sweep;                        ///< sweep.json of `accel --sweep --out`
  json layer_costs;                  ///< best.costs.json of a search (null when absent)
  json coexplore;                    ///< coexplore/result.json (null when absent)
  std::unique_ptr<RunData> retrain;  ///< a search's retrain/ run
  std::vector<std::string> warnings;
  bool damaged = false;

  /// The last event named `name` (null when none).
  const json* last_event(const std::string& name) const;
};

/// Reads a run directory. Throws InputError naming `path` when it is not one
/// of the run directories hwnas writes, or its config cannot be read.
RunData read_run(const std::string& path);

/// A number at `key` of `j`, or NaN (absent, or not a number).
double number(const json& j, const std::string& key);

}  // namespace hwnas::report
