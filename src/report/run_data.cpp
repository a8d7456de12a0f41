#include "run_data.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>

#include <fmt/format.h>

#include "hwnas/common/error.h"
#include "hwnas/common/files.h"

namespace hwnas::report {

namespace fs = std::filesystem;

Lines read_lines(const std::string& path) {
  Lines out;
  if (!fs::exists(path)) return out;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path, "cannot be read");
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty()) continue;
    json j = json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      const bool last = in.peek() == std::char_traits<char>::eof();
      out.damaged = !last;
      out.stopped = fmt::format("{}:{}: {} not a JSON object; the report covers lines 1-{}", path,
                                n, last ? "the last line (cut off?) is" : "line is", n - 1);
      break;
    }
    out.records.push_back(std::move(j));
  }
  return out;
}

double number(const json& j, const std::string& key) {
  if (!j.is_object()) return std::numeric_limits<double>::quiet_NaN();
  auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<double>()
                                          : std::numeric_limits<double>::quiet_NaN();
}

const json* RunData::last_event(const std::string& name) const {
  for (auto it = events.rbegin(); it != events.rend(); ++it)
    if (it->contains("event") && (*it)["event"] == name) return &*it;
  return nullptr;
}

namespace {

json load_json_file(const std::string& path) {
  return load_document(path).root;
}

void take(RunData& r, const std::string& file, std::vector<json>& into) {
  Lines l = read_lines(r.path + "/" + file);
  into = std::move(l.records);
  if (!l.stopped.empty()) r.warnings.push_back(l.stopped);
  r.damaged = r.damaged || l.damaged;
}

}  // namespace

RunData read_run(const std::string& path_in) {
  std::string path = path_in;
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  if (!fs::is_directory(path))
    throw InputError(path, "expected a run directory, but it is not a folder");
  RunData r;
  r.path = path;
  r.label = fs::path(path).filename().string();
  auto has = [&](const char* f) { return fs::is_regular_file(path + "/" + f); };

  if (has("report.json")) {
    r.kind = RunKind::Validation;
    r.validation = load_json_file(path + "/report.json");
    if (!r.validation.is_object() || !r.validation.contains("predictors"))
      throw InputError(path + "/report.json",
                       "expected a `latency validate` report (no `predictors`)");
    return r;
  }
  if (has("sweep.json")) {
    r.kind = RunKind::Sweep;
    r.sweep = load_json_file(path + "/sweep.json");
    if (!r.sweep.is_object() || !r.sweep.contains("points") || !r.sweep["points"].is_array())
      throw InputError(path + "/sweep.json", "expected an `accel --sweep` result (no `points`)");
    return r;
  }
  if (!has("config.yaml") || !has("events.jsonl"))
    throw InputError(path,
                     "not a run directory: expected config.yaml and events.jsonl (a search or "
                     "train run), report.json (latency validate --report) or sweep.json "
                     "(accel --sweep --out)");
  r.config = parse_yaml(read_text_file(path + "/config.yaml"), path + "/config.yaml").root;
  if (!r.config.is_object()) throw InputError(path + "/config.yaml", "expected a mapping");
  // A search run has no arch.json; `hwnas train` (and a search's retrain/) has.
  r.kind = has("arch.json") ? RunKind::Train : RunKind::Search;
  if (r.kind == RunKind::Search) {
    const json& s = r.config.contains("strategy") ? r.config["strategy"] : json();
    if (!s.is_object() || !s.contains("type") || !s["type"].is_string())
      throw InputError(path + "/config.yaml", "strategy.type: expected the search's strategy");
    r.strategy = s["type"].get<std::string>();
  }
  take(r, "events.jsonl", r.events);
  take(r, "candidates.jsonl", r.candidates);
  take(r, "arch_probs.jsonl", r.arch_probs);
  take(r, "pareto.jsonl", r.pareto);
  if (has("best.costs.json")) r.layer_costs = load_json_file(path + "/best.costs.json");
  if (has("coexplore/result.json")) r.coexplore = load_json_file(path + "/coexplore/result.json");
  if (fs::is_directory(path + "/retrain") && fs::exists(path + "/retrain/events.jsonl")) {
    r.retrain = std::make_unique<RunData>(read_run(path + "/retrain"));
    r.retrain->label = r.label + "-retrain";
    for (auto& w : r.retrain->warnings) r.warnings.push_back(w);
    r.damaged = r.damaged || r.retrain->damaged;
  }
  return r;
}

}  // namespace hwnas::report
