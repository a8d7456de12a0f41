// `hwnas report` over real runs of every strategy, `hwnas train`, a latency
// validation and an accelerator sweep: every plot the run calls for is
// there and is a PNG gnuplot drew; the HTML page loads in headless Chromium
// with every image decoded; damaged inputs and refused outputs.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include "../support.h"
#include "hwnas/common/document.h"
#include "hwnas/common/files.h"
#include "hwnas/space/genotype.h"

using namespace hwnas;
using test::run_hwnas;
namespace fs = std::filesystem;

namespace {

// The width a PNG's IHDR gives (0 when it is no PNG).
unsigned png_width(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  unsigned char h[24] = {};
  in.read(reinterpret_cast<char*>(h), 24);
  if (in.gcount() != 24 || h[0] != 0x89 || h[1] != 'P' || h[2] != 'N' || h[3] != 'G') return 0;
  return unsigned(h[16]) << 24 | unsigned(h[17]) << 16 | unsigned(h[18]) << 8 | h[19];
}

void must_run(const std::vector<std::string>& args) {
  auto r = run_hwnas(args);
  INFO(r.err);
  REQUIRE(r.rc == 0);
}

// Small real runs, made once: each strategy on evo4 (table fitness where
// training is not the point), a train run, a validation and a sweep.
struct Runs {
  std::string dir;
  std::map<std::string, std::string> run;  // kind -> run directory
};

const Runs& runs() {
  static Runs r = [] {
    Runs x;
    x.dir = test::temp_dir("report-runs");
    const std::string d = x.dir;
    write_file_atomic(d + "/evo4.yaml", test::kEvo4Space);
    const Space space = load_space(d + "/evo4.yaml");
    std::string acc = "genotype,acc\n", ms_fit = "ops,ms\n", ms_test = "ops,ms\n";
    int k = 0;
    enumerate(space, [&](const Genotype& g) {
      double sum = 0;
      std::string ops;
      for (int c : g) sum += c, ops += char('0' + c);
      acc += fmt::format("\"{}\",{}\n", format_genotype(g), 0.5 + 0.1 * sum - 0.02 * g[0] * g[3]);
      (k++ % 4 ? ms_fit : ms_test) +=
          fmt::format("{},{}\n", ops, 0.2 + 0.05 * sum + 0.01 * (k % 3));
      return true;
    });
    write_file_atomic(d + "/acc.csv", acc);
    write_file_atomic(d + "/fit.csv", ms_fit);
    write_file_atomic(d + "/test.csv", ms_test);
    const std::string common =
        "seed: 1\nthreads: 1\nspace: evo4.yaml\n"
        "data: {dataset: synthetic, train_limit: 256, val_fraction: 0.25, test_limit: 64}\n"
        "cost_models: {f: {type: flops, gmacs_per_s: 1, overhead_ms: 0.1},\n"
        "  a: {type: accelerator, accel: " +
        test::source_path("configs/accel/eyeriss.yaml") +
        "}}\n"
        "constraints:\n  - {model: f, metric: latency_ms, max: 0.6}\n"
        "train: {epochs: 2, batch: 32, optimizer: {lr: 0.05}}\n";
    const std::string table = "fitness: {type: table, file: acc.csv, column: acc}\n";
    const std::map<std::string, std::string> strategies = {
        {"proxyless",
         "strategy: {type: proxyless, mode: two, warmup_epochs: 1, arch_lr: 0.01,\n"
         "  loss: {model: f, form: add, lambda: 0.01}}\n"
         "retrain: {epochs: 1, batch: 32, optimizer: {lr: 0.05}}\n"},
        {"random", "strategy: {type: random, samples: 8}\n" + table},
        {"evolution",
         "strategy: {type: evolution, selection: nsga2, population: 6, evaluations: 18,\n"
         "  objectives: [{metric: fitness}, {model: f, metric: latency_ms}]}\n" +
             table},
        {"growth", "strategy: {type: growth, start: " +
                       test::source_path("configs/growth/eas-start.arch.json") +
                       ", episodes: 1, children: 2, epochs: 1, start_epochs: 1,"
                       " widths: [4, 8, 16]}\n"},
    };
    for (const auto& [name, strategy] : strategies) {
      write_file_atomic(d + "/" + name + ".yaml", "name: " + name + "\n" + common + strategy);
      must_run({"search", "--config", d + "/" + name + ".yaml", "--out", d + "/" + name});
      x.run[name] = d + "/" + name;
    }
    write_file_atomic(d + "/co.yaml",
                      "name: co\nseed: 1\nthreads: 1\nspace: evo4.yaml\n"
                      "data: {dataset: synthetic, train_limit: 320, test_limit: 32}\ntrain: "
                      "{epochs: 1, batch: 32}\n"
                      "strategy:\n  type: coexplore\n  accelerator: " +
                          test::source_path("configs/accel_spaces/nasaic-2.yaml") +
                          "\n  tasks:\n"
                          "    - {name: one, fitness: {type: table, file: acc.csv, column: acc}}\n"
                          "    - {name: two, fitness: {type: table, file: acc.csv, column: acc}}\n"
                          "  specs: {latency_ms: 0.05}\n  samples: 30\n  batch: 10\n");
    must_run({"search", "--config", d + "/co.yaml", "--out", d + "/coexplore"});
    x.run["coexplore"] = d + "/coexplore";

    write_file_atomic(d + "/train.yaml", "name: t\n" + common);
    must_run({"train", "--config", d + "/train.yaml", "--arch", d + "/random/best.arch.json",
              "--out", d + "/train"});
    x.run["train"] = d + "/train";

    must_run({"latency", "fit", "--space", d + "/evo4.yaml", "--measurements", d + "/fit.csv",
              "--genotype-column", "ops", "--column", "ms", "--out", d + "/lut.json"});
    must_run({"latency", "validate", "--space", d + "/evo4.yaml", "--model", d + "/lut.json",
              "--measurements", d + "/test.csv", "--genotype-column", "ops", "--column", "ms",
              "--report", d + "/validation"});
    x.run["validation"] = d + "/validation";

    must_run({"accel", "--arch", d + "/random/best.arch.json", "--accel",
              test::source_path("configs/accel/eyeriss.yaml"), "--sweep", "pes=64,168,256", "--out",
              d + "/sweep"});
    x.run["sweep"] = d + "/sweep";
    return x;
  }();
  return r;
}

// The plots each kind of run must have, by file-name suffix.
const std::map<std::string, std::vector<std::string>> kPlots = {
    {"proxyless",
     {"loss", "accuracy", "cost", "arch-probs", "f-latency_ms", "retrain-loss",
      "retrain-accuracy"}},
    {"random",
     {"candidates", "plane", "f-latency_ms", "a-latency_ms", "a-energy_mj", "a-energy-levels",
      "a-utilisation", "ir-macs"}},
    {"evolution", {"plane", "hypervolume", "f-latency_ms"}},
    {"growth", {"lineage"}},
    {"coexplore", {"reward", "designs", "front"}},
    {"train", {"loss", "accuracy"}},
    {"validation", {"scatter"}},
    {"sweep", {"sweep"}},
};

}  // namespace

TEST_CASE("a report of each kind of run holds every plot it calls for", "[cli][report]") {
  const Runs& r = runs();
  for (const auto& [kind, plots] : kPlots) {
    DYNAMIC_SECTION(kind) {
      const std::string out = r.dir + "/report-" + kind;
      auto rep = run_hwnas({"report", r.run.at(kind), "--out", out, "--json"});
      INFO(rep.err);
      REQUIRE(rep.rc == 0);
      const json j = json::parse(rep.out);
      const std::string md = read_text_file(out + "/report.md");
      std::set<std::string> listed;
      for (const auto& f : j["files"]) {
        const std::string file = f.get<std::string>();
        listed.insert(file);
        REQUIRE(fs::exists(out + "/" + file));
        if (file.size() > 4 && file.substr(file.size() - 4) == ".png") {
          CHECK(png_width(out + "/" + file) >= 500);
          CHECK(md.find("](" + file + ")") != std::string::npos);
        }
      }
      for (const auto& p : plots) CHECK(listed.count(kind + "-" + p + ".png") == 1);
      // Nothing but what was listed.
      std::size_t files = 0;
      for (const auto& e : fs::directory_iterator(out)) files += e.is_regular_file();
      CHECK(files == listed.size());
      // A search's result figures are in its table.
      if (kind == "proxyless") {
        CHECK(md.find("| test top-1 |") != std::string::npos);
        CHECK(md.find("| f.latency_ms |") != std::string::npos);
      }
    }
  }
}

TEST_CASE("several runs side by side, and one HTML page that Chromium renders whole",
          "[cli][report]") {
  const Runs& r = runs();
  const std::string out = r.dir + "/compare";
  auto rep = run_hwnas({"report", r.run.at("proxyless"), r.run.at("random"), r.run.at("evolution"),
                        r.run.at("train"), "--out", out, "--html", "--json"});
  INFO(rep.err);
  REQUIRE(rep.rc == 0);
  for (const char* f : {"compare-accuracy-cost.png", "compare-loss.png", "compare-accuracy.png"})
    CHECK(png_width(out + "/" + f) > 0);
  const std::string md = read_text_file(out + "/report.md");
  CHECK(md.find("## Runs compared") != std::string::npos);
  const std::string html = read_text_file(out + "/report.html");
  long images = 0;
  for (auto at = html.find("data:image/png;base64,"); at != std::string::npos;
       at = html.find("data:image/png;base64,", at + 1))
    ++images;
  const auto pngs = std::count_if(fs::directory_iterator(out), fs::directory_iterator(),
                                  [](const auto& e) { return e.path().extension() == ".png"; });
  CHECK(images == pngs);
  CHECK(html.find("http") == std::string::npos);  // no network

  // Chromium: the page loads, every image decodes, the console stays clean.
  if (std::system("command -v chromium >/dev/null 2>&1") != 0) {
    FAIL("chromium is not installed (tools/install-deps.sh installs it)");
  }
  std::string probe = html;
  probe.insert(probe.rfind("</body>"),
               "<script>window.addEventListener('load', () => {"
               "const im = [...document.images];"
               "document.body.setAttribute('data-images', im.length);"
               "document.body.setAttribute('data-decoded',"
               " im.filter(i => i.complete && i.naturalWidth > 0).length);});</script>");
  write_file_atomic(out + "-probe.html", probe);
  const std::string log = r.dir + "/chromium.log", dom = r.dir + "/dom.html";
  const std::string cmd = fmt::format(
      "HOME={0} chromium --headless --no-sandbox --disable-gpu --user-data-dir={0}/chromium "
      "--enable-logging=stderr --v=0 --virtual-time-budget=5000 --dump-dom file://{1}-probe.html "
      "> {2} 2> {3}",
      r.dir, out, dom, log);
  REQUIRE(std::system(cmd.c_str()) == 0);
  const std::string body = read_text_file(dom);
  std::smatch m;
  REQUIRE(std::regex_search(body, m, std::regex("data-images=\"(\\d+)\" data-decoded=\"(\\d+)\"")));
  CHECK(std::stoi(m[1]) == pngs);
  CHECK(m[2] == m[1]);
  const std::string console = fs::exists(log) ? read_text_file(log, 64u << 20) : "";
  CHECK(console.find(":CONSOLE") == std::string::npos);
}

TEST_CASE("report refuses what it cannot read and never writes half a report",
          "[cli][report][bad]") {
  const Runs& r = runs();
  const std::string d = test::temp_dir("report-bad");

  // Not a run directory; a missing one.
  fs::create_directories(d + "/empty");
  auto e = run_hwnas({"report", d + "/empty", "--out", d + "/r1"});
  CHECK(e.rc == 2);
  CHECK(e.err.find("not a run directory") != std::string::npos);
  CHECK_FALSE(fs::exists(d + "/r1"));
  CHECK(run_hwnas({"report", d + "/missing", "--out", d + "/r1"}).rc == 2);
  // Several runs without --out.
  e = run_hwnas({"report", r.run.at("random"), r.run.at("train")});
  CHECK(e.rc == 2);
  CHECK(e.err.find("--out") != std::string::npos);

  // A copy of a run whose events.jsonl was cut off mid-line: reported up to
  // there, with a warning naming the line; exit 0.
  const std::string cut = d + "/cut";
  fs::copy(r.run.at("train"), cut, fs::copy_options::recursive);
  std::string events = read_text_file(cut + "/events.jsonl");
  const auto lines = std::count(events.begin(), events.end(), '\n');
  write_file_atomic(cut + "/events.jsonl", events.substr(0, events.size() - 20));
  auto c = run_hwnas({"report", cut, "--json"});
  INFO(c.err);
  CHECK(c.rc == 0);
  const std::string where = fmt::format("events.jsonl:{}:", lines);
  CHECK(c.err.find(where) != std::string::npos);
  CHECK(read_text_file(cut + "/report/report.md").find("Incomplete input") != std::string::npos);

  // Damage inside the file: the report covers what came before; exit 2.
  const std::string bad = d + "/bad";
  fs::copy(r.run.at("train"), bad, fs::copy_options::recursive);
  write_file_atomic(bad + "/events.jsonl", "{\"step\": 1, \"loss\": 2.0}\n{oops\n" + events);
  auto b = run_hwnas({"report", bad});
  CHECK(b.rc == 2);
  CHECK(b.err.find("events.jsonl:2:") != std::string::npos);
  CHECK(fs::exists(bad + "/report/report.md"));

  // An existing --out: refused; --force replaces an earlier report only.
  const std::string before = read_text_file(cut + "/report/report.md");
  auto again = run_hwnas({"report", cut});
  CHECK(again.rc == 2);
  CHECK(again.err.find("--force") != std::string::npos);
  CHECK(run_hwnas({"report", cut, "--force"}).rc == 0);
  CHECK(read_text_file(cut + "/report/report.md") == before);
  auto other = run_hwnas({"report", cut, "--out", r.run.at("random"), "--force"});
  CHECK(other.rc == 2);
  CHECK(other.err.find("not a report folder") != std::string::npos);
  CHECK(fs::exists(r.run.at("random") + "/best.arch.json"));

  // A config that is not YAML.
  const std::string broken = d + "/broken";
  fs::copy(r.run.at("train"), broken, fs::copy_options::recursive);
  write_file_atomic(broken + "/config.yaml", "name: [unclosed\n");
  auto y = run_hwnas({"report", broken});
  CHECK(y.rc == 2);
  CHECK(y.err.find("config.yaml:") != std::string::npos);
  CHECK_FALSE(fs::exists(broken + "/report"));

  // A sweep and a validation report that are not what their commands write.
  fs::create_directories(d + "/sweep");
  write_file_atomic(d + "/sweep/sweep.json", R"({"points": 3})");
  auto sw = run_hwnas({"report", d + "/sweep"});
  CHECK(sw.rc == 2);
  CHECK(sw.err.find("sweep.json: expected an `accel --sweep` result") != std::string::npos);
  fs::create_directories(d + "/val");
  write_file_atomic(d + "/val/report.json", "{\"predictors\": {\n  \"lut\": [1,\n");
  auto v = run_hwnas({"report", d + "/val"});
  CHECK(v.rc == 2);
  CHECK(v.err.find("report.json:3") != std::string::npos);
  // Values of the wrong type inside events are read as absent.
  const std::string odd = d + "/odd";
  fs::copy(r.run.at("train"), odd, fs::copy_options::recursive);
  write_file_atomic(odd + "/events.jsonl", "{\"step\": \"x\", \"loss\": []}\n{\"event\": 5}\n");
  auto o = run_hwnas({"report", odd});
  CHECK(o.rc == 0);
  CHECK(fs::exists(odd + "/report/report.md"));
  CHECK_FALSE(fs::exists(d + "/sweep/report"));
  CHECK_FALSE(fs::exists(d + "/val/report"));

  // No gnuplot: a message naming the package, nothing written.
  const std::string path = std::getenv("PATH");
  setenv("PATH", "/nonexistent", 1);
  auto g = run_hwnas({"report", r.run.at("train"), "--out", d + "/nognuplot"});
  setenv("PATH", path.c_str(), 1);
  CHECK(g.rc == 2);
  CHECK(g.err.find("gnuplot-nox") != std::string::npos);
  CHECK_FALSE(fs::exists(d + "/nognuplot"));
}
