// hwnas report: one section per run (by the command and strategy that wrote
// it), then, for several runs, their results side by side.
#include "hwnas/report/report.h"

#include <filesystem>
#include <set>

#include <fmt/format.h>

#include "hwnas/common/error.h"
#include "hwnas/common/files.h"
#include "hwnas/common/output_path.h"
#include "sections.h"

namespace hwnas::report {

namespace fs = std::filesystem;

std::string default_out(const std::vector<std::string>& runs) {
  if (runs.size() != 1)
    throw InputError("--out", "several runs need --out: the folder their report goes to");
  std::string r = runs[0];
  while (r.size() > 1 && r.back() == '/') r.pop_back();
  return r + "/report";
}

Result write_report(const Options& o) {
  if (o.runs.empty()) throw InputError("RUN", "expected at least one run directory");
  std::vector<RunData> runs;
  std::set<std::string> labels;
  for (const auto& path : o.runs) {
    runs.push_back(read_run(path));
    std::string label = runs.back().label;
    for (int k = 2; labels.count(label); ++k) label = fmt::format("{}-{}", runs.back().label, k);
    labels.insert(label);
    runs.back().label = label;
    if (runs.back().retrain) runs.back().retrain->label = label + "-retrain";
  }
  if (!gnuplot_available())
    throw InputError("gnuplot",
                     "not found: reports draw their plots with gnuplot; install "
                     "Debian's gnuplot-nox (apt-get install gnuplot-nox)");
  // An earlier report may be replaced (--force), never any other folder.
  std::string out = o.out;
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  const bool replace = fs::exists(out);
  if (replace) {
    if (!o.force)
      throw InputError(out, "exists; give --force to replace an earlier report, or another --out");
    if (!fs::is_regular_file(out + "/index.json"))
      throw InputError(out, "exists and is not a report folder (no index.json): not replaced");
  } else {
    check_output(out, OutputKind::Folder, false, o.runs, "--out");
  }

  Result res;
  res.out = out;
  StagingFolder staging(out);
  Writer w(staging.path());
  w.page.heading(1, runs.size() == 1 ? "hwnas report: " + runs[0].label
                                     : fmt::format("hwnas report: {} runs", runs.size()));
  std::string list = "Runs:";
  for (const auto& r : runs) list += " `" + r.path + "`";
  w.page.text(list);
  for (const auto& r : runs) {
    try {
      w.run(r);
    } catch (const json::exception& e) {  // a value of an unexpected type
      throw InputError(r.path, fmt::format("unexpected content: {}", e.what()));
    }
    for (const auto& wmsg : r.warnings) res.warnings.push_back(wmsg);
    res.damaged = res.damaged || r.damaged;
  }
  if (runs.size() > 1) try {
      w.comparison(runs);
    } catch (const json::exception& e) {
      throw InputError(runs[0].path, fmt::format("unexpected content: {}", e.what()));
    }
  write_file_atomic(staging.path() + "/report.md", w.page.markdown());
  res.files.push_back("report.md");
  if (o.html) {
    write_file_atomic(staging.path() + "/report.html", w.page.html(staging.path(), "hwnas report"));
    res.files.push_back("report.html");
  }
  for (const auto& f : w.page.files()) res.files.push_back(f);
  // What this folder is: `--force` replaces only a folder that holds one.
  json paths = json::array();
  for (const auto& r : runs) paths.push_back(r.path);
  res.files.push_back("index.json");
  write_file_atomic(
      staging.path() + "/index.json",
      json({{"format", "hwnas.report/1"}, {"runs", paths}, {"files", res.files}}).dump(2) + "\n");
  if (replace) {
    const std::string old = out + ".old-report";
    fs::remove_all(old);
    fs::rename(out, old);
    try {
      staging.commit();
    } catch (...) {
      fs::rename(old, out);
      throw;
    }
    fs::remove_all(old);
  } else {
    staging.commit();
  }
  return res;
}

}  // namespace hwnas::report
