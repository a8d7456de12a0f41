// `hwnas profile` and `hwnas latency` on a tiny space, as a user runs them.
#include <signal.h>

#include <filesystem>
#include <set>

#include <catch2/catch.hpp>

#include "../support.h"
#include "hwnas/common/document.h"
#include "hwnas/common/files.h"
#include "hwnas/cost/latency_table.h"

using namespace hwnas;
using test::run_hwnas;
namespace fs = std::filesystem;

namespace {
const char* kTinySpace = R"(name: tinylat
input: [1, 16, 16]
num_classes: 4
candidates:
  a: {op: mbconv, k: 3, e: 2}
  b: {op: mbconv, k: 5, e: 3}
  z: {op: zero}
layers:
  - {op: conv, out: 8, k: 3, stride: 2}
  - {stage: {out: 12, depth: 2, stride: 1, choices: [a, b, z]}}
  - {op: gap}
  - {op: linear, out: 4}
)";

// b.arch.json: a 5x5 stem, then gap and linear on inputs tinylat never gives them.
void write_outside_arch(const std::string& dir) {
  write_file_atomic(dir + "/b.arch.json",
                    R"({"format": "hwnas.arch/1", "name": "b", "input": [1, 16, 16],
    "num_classes": 4, "layers": [{"op": "conv", "out": 8, "k": 5, "stride": 2}, {"op": "gap"},
    {"op": "linear", "out": 4}]})");
}
}  // namespace

TEST_CASE("profile then predict and validate a tiny space", "[cli][latency]") {
  auto dir = test::temp_dir("profile");
  write_file_atomic(dir + "/tinylat.yaml", kTinySpace);
  const std::string table = dir + "/tinylat.cpu.json";
  auto p = run_hwnas({"profile", "--space", dir + "/tinylat.yaml", "--out", table, "--rounds", "2",
                      "--reps", "3", "--calibrate", "6", "--pin", "--json"});
  INFO(p.err);
  REQUIRE(p.rc == 0);
  json pj = json::parse(p.out);
  // stem, the 2 candidates on each of the 2 inputs (zero is free), gap, linear
  CHECK(pj["entries"] == 7);
  CHECK(fs::exists(dir + "/tinylat.cpu.calib.json"));
  CHECK_FALSE(fs::exists(table + ".partial"));
  LatencyTable t = load_latency_table(table);
  for (const auto& e : t.entries) CHECK(e.value_ms > 0);
  CHECK(t.device.threads == 1);
  CHECK(t.protocol["pinned"] == true);

  write_file_atomic(dir + "/a.arch.json",
                    R"({"format": "hwnas.arch/1", "name": "a", "input": [1, 16, 16],
    "num_classes": 4, "layers": [{"op": "conv", "out": 8, "k": 3, "stride": 2},
    {"op": "mbconv", "out": 12, "k": 5, "e": 3}, {"op": "zero"}, {"op": "gap"}, {"op": "linear", "out": 4}]})");
  auto pr =
      run_hwnas({"latency", "predict", "--arch", dir + "/a.arch.json", "--model", table, "--json"});
  REQUIRE(pr.rc == 0);
  json prj = json::parse(pr.out);
  CHECK(prj["latency_ms"].get<double>() > 0);
  CHECK(prj["layers"].size() == 5);
  CHECK(prj["layers"][2]["latency_ms"] == 0.0);  // zero costs nothing
  // Calibrated: every part >= 0, and the layers plus the per-network term
  // add up to the total.
  double parts = prj["network_ms"].get<double>();
  CHECK(parts >= 0);
  for (const auto& l : prj["layers"]) {
    CHECK(l["latency_ms"].get<double>() >= 0);
    parts += l["latency_ms"].get<double>();
  }
  CHECK(parts == Approx(prj["latency_ms"].get<double>()).epsilon(1e-12));

  auto v = run_hwnas({"latency", "validate", "--space", dir + "/tinylat.yaml", "--model", table,
                      "--samples", "6", "--rounds", "2", "--reps", "3", "--report", dir + "/val",
                      "--json"});
  INFO(v.err);
  REQUIRE(v.rc == 0);
  json vj = json::parse(v.out);
  CHECK(vj["samples"] == 6);
  for (auto k : {"lut", "lut-calibrated", "flops"})
    CHECK(vj["predictors"][k].contains("kendall_tau"));
  CHECK(vj["noise_floor"].contains("within_10pct"));
  CHECK(fs::exists(dir + "/val/report.md"));

  // An arch outside the table fails naming the op and the shape.
  write_outside_arch(dir);
  auto miss = run_hwnas({"latency", "predict", "--arch", dir + "/b.arch.json", "--model", table});
  CHECK(miss.rc == 2);
  CHECK_THAT(miss.err, Catch::Contains("no entry for conv k5 s2 on input 1x16x16"));
  // ... with its full key (out channels included) and the nearest keys the
  // table has: first the stem, which differs from it only in k.
  const auto key = miss.err.find("(key {"), nearest = miss.err.find("nearest keys in the table: {");
  REQUIRE(key != std::string::npos);
  REQUIRE(nearest != std::string::npos);
  CHECK(miss.err.substr(key, nearest - key).find("\"out\":8") != std::string::npos);
  const std::string first = miss.err.substr(nearest, miss.err.find('@', nearest) - nearest);
  CHECK(first.find("\"k\":3") != std::string::npos);
  CHECK(first.find("\"out\":8") != std::string::npos);
  // A space other than the table's is refused.
  auto other = run_hwnas(
      {"latency", "validate", "--space", "proxyless-fmnist", "--model", table, "--samples", "3"});
  CHECK(other.rc == 2);
  CHECK_THAT(other.err, Catch::Contains("was measured for space tinylat, not proxyless-fmnist"));

  // A report folder is new: a second validation into it is refused before
  // measuring, and the first report is kept.
  const std::string report = read_text_file(dir + "/val/report.md");
  auto again = run_hwnas({"latency", "validate", "--space", dir + "/tinylat.yaml", "--model", table,
                          "--samples", "3", "--report", dir + "/val/"});
  CHECK(again.rc == 2);
  CHECK_THAT(again.err, Catch::Contains(dir + "/val") && Catch::Contains("exists"));
  CHECK(read_text_file(dir + "/val/report.md") == report);

  // A table and its calibration are one output: a calibration left beside
  // is refused without --force, and removed with it when the new table has
  // none (a reader would pair it with the new table).
  const std::string calib = dir + "/tinylat.cpu.calib.json";
  fs::remove(table);
  std::vector<std::string> reprofile = {
      "profile", "--space", dir + "/tinylat.yaml", "--out", table, "--rounds", "1",
      "--reps",  "1",       "--calibrate",         "0"};
  auto stale = run_hwnas(reprofile);
  CHECK(stale.rc == 2);
  CHECK_THAT(stale.err, Catch::Contains(calib));
  CHECK_FALSE(fs::exists(table));
  reprofile.push_back("--force");
  auto forced = run_hwnas(reprofile);
  INFO(forced.err);
  REQUIRE(forced.rc == 0);
  CHECK(fs::exists(table));
  CHECK_FALSE(fs::exists(calib));
}

TEST_CASE("profile --arch --extend adds the layers a table lacks", "[cli][latency]") {
  auto dir = test::temp_dir("profile-extend");
  write_file_atomic(dir + "/tinylat.yaml", kTinySpace);
  const std::string table = dir + "/t.json", wider = dir + "/t2.json";
  auto p = run_hwnas({"profile", "--space", dir + "/tinylat.yaml", "--out", table, "--rounds", "1",
                      "--reps", "1", "--calibrate", "0"});
  INFO(p.err);
  REQUIRE(p.rc == 0);
  write_outside_arch(dir);
  auto miss = run_hwnas({"latency", "predict", "--arch", dir + "/b.arch.json", "--model", table});
  CHECK(miss.rc == 2);
  CHECK_THAT(miss.err, Catch::Contains("--extend"));

  auto e = run_hwnas({"profile", "--arch", dir + "/b.arch.json", "--extend", table, "--out", wider,
                      "--rounds", "1", "--reps", "1", "--json"});
  INFO(e.err);
  REQUIRE(e.rc == 0);
  json ej = json::parse(e.out);
  CHECK(ej["added"] == 3);
  CHECK(ej["entries"] == 7 + 3);
  CHECK(ej["calibration"] == "");  // one network is too few to fit a calibration
  const LatencyTable before = load_latency_table(table), after = load_latency_table(wider);
  for (const auto& old : before.entries) {  // kept as measured, not re-timed
    const LutEntry* same = after.find(old.layer, old.in);
    REQUIRE(same);
    CHECK(same->value_ms == old.value_ms);
  }
  CHECK(after.space == "tinylat");
  CHECK(after.protocol["extended"].size() == 1);
  CHECK(after.protocol["extended"][0]["entries_added"] == 3);
  auto hit = run_hwnas({"latency", "predict", "--arch", dir + "/b.arch.json", "--model", wider});
  INFO(hit.err);
  CHECK(hit.rc == 0);

  // Nothing new to time: the table is copied with no measurement.
  auto none = run_hwnas({"profile", "--arch", dir + "/b.arch.json", "--extend", wider, "--out",
                         dir + "/t3.json", "--json"});
  REQUIRE(none.rc == 0);
  CHECK(json::parse(none.out)["added"] == 0);

  // Refused before measuring, nothing written: another thread count or
  // statistic than the base table's, the base as the output, no layers named.
  const std::string out = dir + "/bad.json";
  auto threads = run_hwnas({"profile", "--arch", dir + "/b.arch.json", "--extend", table, "--out",
                            out, "--threads", "2"});
  CHECK(threads.rc == 2);
  CHECK_THAT(threads.err, Catch::Contains(table) && Catch::Contains("threads 1 vs 2"));
  auto stat = run_hwnas({"profile", "--arch", dir + "/b.arch.json", "--extend", table, "--out", out,
                         "--statistic", "min"});
  CHECK(stat.rc == 2);
  CHECK_THAT(stat.err, Catch::Contains("--statistic p10"));
  auto self = run_hwnas(
      {"profile", "--arch", dir + "/b.arch.json", "--extend", table, "--out", table, "--force"});
  CHECK(self.rc == 2);
  CHECK_THAT(self.err, Catch::Contains("also an input"));
  auto nothing = run_hwnas({"profile", "--out", out});
  CHECK(nothing.rc == 2);
  CHECK_THAT(nothing.err, Catch::Contains("--space") && Catch::Contains("--arch"));
  write_file_atomic(dir + "/broken.arch.json", R"({"format": "hwnas.arch/1", "name": "x"})");
  auto broken =
      run_hwnas({"profile", "--arch", dir + "/broken.arch.json", "--extend", table, "--out", out});
  CHECK(broken.rc == 2);
  CHECK_THAT(broken.err, Catch::Contains("broken.arch.json"));
  CHECK_FALSE(fs::exists(out));
  CHECK(load_latency_table(table).entries.size() == 7);
}

TEST_CASE("cell spaces profile per layer, predict and export probes", "[cli][latency]") {
  auto dir = test::temp_dir("profile-cells");
  // Two uses of a 3-node cell, a residual block, and joins of 2 and 3 inputs.
  write_file_atomic(dir + "/tinycell.yaml", R"(name: tinycell
input: [1, 12, 12]
num_classes: 4
candidates:
  none: {op: none}
  skip: {op: skip}
  conv: {op: conv, k: 3, preact: true}
  pool: {op: avgpool, k: 3, pad: 1}
cells:
  tri: {nodes: 3, edges: [[0, 1], [0, 2], [1, 2]], choices: [none, skip, conv, pool]}
layers:
  - {id: stem, op: conv, out: 8, k: 3, stride: 2}
  - {id: cells, cell: tri, out: 8, repeat: 2}
  - {id: side, op: conv, out: 8, k: 1, act: none, inputs: [stem]}
  - {op: add, inputs: [cells, side, stem], act: relu}
  - {op: concat, inputs: [cells, side]}
  - {op: gap}
  - {op: linear, out: 4}
)");
  const std::string table = dir + "/t.json", space = dir + "/tinycell.yaml";
  auto p = run_hwnas({"profile", "--space", space, "--out", table, "--rounds", "2", "--reps", "2",
                      "--calibrate", "0", "--json"});
  INFO(p.err);
  REQUIRE(p.rc == 0);
  // stem, conv and pool on the cell's input, the 2-input add of node 2, the
  // side conv, the 3-input add, the concat, gap, linear (none and skip are free).
  CHECK(json::parse(p.out)["entries"] == 9);
  LatencyTable t = load_latency_table(table);
  for (const auto& e : t.entries) CHECK(e.value_ms > 0);
  REQUIRE(run_hwnas({"space", space, "--genotype", "2,3,0", "--out", dir + "/g.arch.json"}).rc ==
          0);
  auto pr =
      run_hwnas({"latency", "predict", "--arch", dir + "/g.arch.json", "--model", table, "--json"});
  INFO(pr.err);
  REQUIRE(pr.rc == 0);
  CHECK(json::parse(pr.out)["latency_ms"].get<double>() > 0);
  auto probes = run_hwnas({"export", "--space", space, "--out-latency-probe", dir + "/probes"});
  INFO(probes.err);
  REQUIRE(probes.rc == 0);
  CHECK(json::parse(read_text_file(dir + "/probes/probes.json"))["probes"].size() == 9);
}

TEST_CASE("an interrupted profile resumes from what it kept", "[cli][latency]") {
  auto dir = test::temp_dir("profile-resume");
  write_file_atomic(dir + "/tinylat.yaml", kTinySpace);
  const std::string table = dir + "/t.json", space = dir + "/tinylat.yaml";
  CHECK(test::interrupt_hwnas({"profile", "--space", space, "--out", table, "--rounds", "1000000",
                               "--reps", "2", "--calibrate", "0"},
                              table + ".partial", SIGINT) == 130);
  CHECK(fs::exists(table + ".partial"));
  CHECK_FALSE(fs::exists(table));
  // Starting over would lose what was measured: refused without --resume.
  auto again =
      run_hwnas({"profile", "--space", space, "--out", table, "--rounds", "2", "--calibrate", "0"});
  CHECK(again.rc == 2);
  CHECK_THAT(again.err, Catch::Contains("--resume"));
  auto partial = load_document(table + ".partial");
  const auto done = partial.root["rounds_done"].get<int>();
  CHECK(done >= 1);
  auto r =
      run_hwnas({"profile", "--space", space, "--out", table, "--rounds", std::to_string(done + 2),
                 "--reps", "2", "--calibrate", "0", "--resume", "--json"});
  INFO(r.err);
  REQUIRE(r.rc == 0);
  CHECK(fs::exists(table));
  CHECK_FALSE(fs::exists(table + ".partial"));
  for (const auto& e : load_latency_table(table).entries) CHECK(e.repeats >= (done + 2) * 2);
}

TEST_CASE("profile and latency flags and files are checked", "[cli][latency]") {
  CHECK(run_hwnas({"profile", "--space", "proxyless-fmnist"}).rc == 2);  // --out missing
  CHECK(run_hwnas({"profile", "--space", "nope", "--out", "x.json"}).rc == 2);
  CHECK(run_hwnas({"profile", "--space", "proxyless-fmnist", "--out", "x.json", "--device", "cuda"})
            .rc == 2);
  CHECK(run_hwnas({"profile", "--space", "proxyless-fmnist", "--out", "x.json", "--rounds", "0"})
            .rc == 2);
  CHECK(run_hwnas({"latency", "predict", "--arch", "configs/archs/fbnet-a.arch.json", "--model",
                   "missing.json"})
            .rc == 2);
  CHECK(run_hwnas({"latency", "predict", "--arch", "configs/archs/fbnet-a.arch.json", "--model",
                   "configs/archs/fbnet-a.arch.json"})
            .rc == 2);  // not a table
  CHECK(run_hwnas({"latency"}).rc == 2);
  CHECK_FALSE(fs::exists(test::source_path("x.json")));
}

TEST_CASE("latency probes cover every tabled layer of a space", "[cli][latency][export]") {
  auto dir = test::temp_dir("probes");
  const std::string out = dir + "/probes";
  auto r =
      run_hwnas({"export", "--space", "proxyless-fmnist", "--out-latency-probe", out, "--json"});
  INFO(r.err);
  REQUIRE(r.rc == 0);
  // One probe per distinct layer: exactly the keys the shipped CPU table has.
  LatencyTable t =
      load_latency_table(test::source_path("latency_models/proxyless-fmnist.cpu.json"));
  json probes = json::parse(read_text_file(out + "/probes.json"));
  CHECK(probes["space"] == "proxyless-fmnist");
  REQUIRE(probes["probes"].size() == t.entries.size());
  std::set<std::string> keys;
  for (const auto& p : probes["probes"]) {
    keys.insert(p["key"].get<std::string>());
    CHECK(fs::file_size(out + "/" + p["file"].get<std::string>()) > 0);
  }
  for (const auto& e : t.entries) CHECK(keys.count(lut_key(e.layer, e.in)) == 1);
  auto csv = read_text_file(out + "/timings.csv");
  CHECK(std::count(csv.begin(), csv.end(), '\n') == int(t.entries.size()) + 1);
  CHECK_FALSE(fs::exists(out + ".partial"));
  // An existing folder is never written into; --space is required.
  auto again = run_hwnas({"export", "--space", "proxyless-fmnist", "--out-latency-probe", out});
  CHECK(again.rc == 2);
  CHECK_THAT(again.err, Catch::Contains("already exists"));
  CHECK(run_hwnas({"export", "--out-latency-probe", dir + "/other"}).rc == 2);
  CHECK_FALSE(fs::exists(dir + "/other"));
}

TEST_CASE("probe timings import into a table that predicts", "[cli][latency]") {
  auto dir = test::temp_dir("import");
  const std::string probes = dir + "/probes";
  REQUIRE(run_hwnas({"export", "--space", "proxyless-fmnist", "--out-latency-probe", probes}).rc ==
          0);
  // "Measure" every probe on the other device: 0.01 ms x (index + 1).
  auto fill = [&](const std::string& text) { write_file_atomic(probes + "/timings.csv", text); };
  std::string good = "probe,latency_ms\n";
  json pj = json::parse(read_text_file(probes + "/probes.json"));
  for (std::size_t i = 0; i < pj["probes"].size(); ++i)
    good +=
        pj["probes"][i]["probe"].get<std::string>() + "," + std::to_string(0.01 * (i + 1)) + "\n";
  fill(good);
  const std::string table = dir + "/t.json";
  auto r = run_hwnas({"profile", "--space", "proxyless-fmnist", "--import", probes + "/timings.csv",
                      "--out", table, "--json"});
  INFO(r.err);
  REQUIRE(r.rc == 0);
  CHECK(json::parse(r.out)["entries"] == pj["probes"].size());
  LatencyTable t = load_latency_table(table);
  CHECK(t.device.kind == "imported");
  CHECK(t.entries.size() == pj["probes"].size());
  auto p =
      run_hwnas({"latency", "predict", "--arch", "tests/data/archs/proxyless-fmnist-0000.arch.json",
                 "--model", table, "--json"});
  INFO(p.err);
  CHECK(p.rc == 0);
  CHECK(json::parse(p.out)["latency_ms"].get<double>() > 0);
  // The table exists now: a second import is refused without --force and
  // leaves it; a spreadsheet's byte-order mark before the header is fine.
  const std::string written = read_text_file(table);
  fill("\xEF\xBB\xBF" + good);
  auto again = run_hwnas({"profile", "--space", "proxyless-fmnist", "--import",
                          probes + "/timings.csv", "--out", table});
  CHECK(again.rc == 2);
  CHECK_THAT(again.err, Catch::Contains("already exists (add --force"));
  CHECK(read_text_file(table) == written);
  CHECK(run_hwnas({"profile", "--space", "proxyless-fmnist", "--import", probes + "/timings.csv",
                   "--out", table, "--force"})
            .rc == 0);
  // Broken timings: exit 2 naming the file and line, and no table written.
  const std::string first = pj["probes"][0]["probe"], second = pj["probes"][1]["probe"];
  auto without_last_row = good.substr(0, good.rfind('\n', good.size() - 2) + 1);
  struct Case {
    std::string text, expect;
  };
  std::vector<Case> cases = {
      {"probe;latency_ms\n", "timings.csv:1: expected the header"},
      {"probe,latency_ms\nprobe-999,1.0\n", "timings.csv:2: unknown probe 'probe-999'"},
      {"probe,latency_ms\n" + first + ",1\n" + first + ",2\n",
       "timings.csv:3: probe '" + first + "' is timed twice"},
      {"probe,latency_ms\n" + first + ",\n", "timings.csv:2: probe '" + first + "' has no latency"},
      {"probe,latency_ms\n" + first + ",-0.5\n", "milliseconds in (0, 10000000], got '-0.5'"},
      {"probe,latency_ms\n" + first + ",1e8\n", "got '1e8'"},  // more than a table may hold
      {"probe,latency_ms\n" + first + ",0x10\n", "got '0x10'"},
      {"probe,latency_ms\n" + first + ", 1\n", "got ' 1'"},
      {"probe,latency_ms\n" + first + ",fast\n", "got 'fast'"},
      {"probe,latency_ms\n" + first + ",1\n", "probe '" + second + "'"},
      {without_last_row, "has no row"},
  };
  for (const auto& c : cases) {
    INFO(c.expect);
    fill(c.text);
    const std::string out = dir + "/bad.json";
    auto b = run_hwnas({"profile", "--space", "proxyless-fmnist", "--import",
                        probes + "/timings.csv", "--out", out});
    CHECK(b.rc == 2);
    CHECK_THAT(b.err, Catch::Contains(c.expect));
    CHECK_FALSE(fs::exists(out));
  }
  // Probes of another space are refused.
  fill(good);
  auto other = run_hwnas({"profile", "--space", "fbnet", "--import", probes + "/timings.csv",
                          "--out", dir + "/o.json"});
  CHECK(other.rc == 2);
  CHECK_THAT(other.err, Catch::Contains("the probes are of space proxyless-fmnist, not fbnet"));
  // A probes.json whose key no longer matches its layer, or that is not JSON.
  const std::string pj_text = read_text_file(probes + "/probes.json");
  json edited = pj;
  edited["probes"][0]["input"] = {1, 14, 14};
  write_file_atomic(probes + "/probes.json", edited.dump());
  auto stale = run_hwnas({"profile", "--space", "proxyless-fmnist", "--import",
                          probes + "/timings.csv", "--out", dir + "/s.json"});
  CHECK(stale.rc == 2);
  CHECK_THAT(stale.err, Catch::Contains("probes.json") &&
                            Catch::Contains("does not match the probe's layer and input"));
  write_file_atomic(probes + "/probes.json", pj_text.substr(0, pj_text.size() / 2));
  auto torn = run_hwnas({"profile", "--space", "proxyless-fmnist", "--import",
                         probes + "/timings.csv", "--out", dir + "/s.json"});
  CHECK(torn.rc == 2);
  CHECK_THAT(torn.err, Catch::Contains("probes.json") && Catch::Contains("invalid JSON"));
  CHECK_FALSE(fs::exists(dir + "/s.json"));
}
