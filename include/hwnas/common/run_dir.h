#pragma once
// A run directory: created fresh (never over an existing run), or reopened
// for --resume; events.jsonl appended one JSON object per line.
#include <string>

#include "hwnas/common/document.h"

namespace hwnas {

class RunDir {
 public:
  /// fresh: creates `path` (and checkpoints/); throws InputError when it
  /// exists and is not empty, so nothing of an earlier run is lost.
  /// resume: `path` must hold a run (a checkpoints/ folder).
  static RunDir create(const std::string& path);
  static RunDir reopen(const std::string& path);

  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const;
  /// Appends one line to events.jsonl.
  void event(const json& j) const { append("events.jsonl", j); }
  /// Keeps only the events whose "step" is <= step (after a resume).
  void truncate_events(std::int64_t step) const { truncate("events.jsonl", step); }
  /// The same for any JSON-lines file of the run.
  void append(const std::string& name, const json& j) const;
  void truncate(const std::string& name, std::int64_t step) const;

 private:
  explicit RunDir(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

}  // namespace hwnas
