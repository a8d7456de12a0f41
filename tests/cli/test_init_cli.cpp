// `hwnas init` (a starter config that --dry-run accepts) and `hwnas
// completion bash` (a script generated from the registered commands).
#include <filesystem>

#include <catch2/catch.hpp>

#include "../support.h"
#include "hwnas/common/document.h"
#include "hwnas/common/files.h"

using namespace hwnas;
using test::run_hwnas;
namespace fs = std::filesystem;

TEST_CASE("init writes a config that search --dry-run accepts for every strategy", "[cli][init]") {
  auto dir = test::temp_dir("init");
  auto listed = run_hwnas({"search", "--list-strategies", "--json"});
  REQUIRE(listed.rc == 0);
  std::vector<std::string> strategies;
  const json list = json::parse(listed.out);
  for (const auto& s : list["strategies"]) strategies.push_back(s["type"]);
  REQUIRE(strategies.size() >= 6);
  struct Combo {
    std::string space, cost;
  };
  const std::vector<Combo> combos = {{"proxyless-fmnist", "lut-calibrated"},
                                     {"proxyless-fmnist", "flops"},
                                     {"proxyless-fmnist", "accelerator"},
                                     {"proxyless-fmnist", "measured"}};
  for (const auto& s : strategies)
    for (const auto& c : combos) {
      INFO(s << " " << c.space << " " << c.cost);
      auto r = run_hwnas({"init", "--strategy", s, "--space", c.space, "--cost", c.cost});
      INFO(r.err);
      if ((s == "proxyless" || s == "fbnet") && c.cost == "measured") {
        // A supernet takes the expectation of a per-layer model: refused, and said why.
        CHECK(r.rc == 2);
        CHECK_THAT(r.err, Catch::Contains("prices whole networks only"));
        continue;
      }
      if (s == "growth" && c.cost == "lut-calibrated") {
        CHECK(r.rc == 2);  // grown nets leave the space's table
        CHECK_THAT(r.err, Catch::Contains("use flops, measured or accelerator"));
        continue;
      }
      REQUIRE(r.rc == 0);
      CHECK_THAT(r.out, Catch::StartsWith("# hwnas run config"));
      const std::string cfg = dir + "/" + s + "-" + c.cost + ".yaml";
      write_file_atomic(cfg, r.out);
      auto d = run_hwnas({"search", "--config", cfg, "--dry-run", "--json"});
      INFO(d.err);
      REQUIRE(d.rc == 0);
      const json j = json::parse(d.out);
      CHECK(j["config"]["strategy"]["type"] == s);
      // A table-priced space gets a bound inside its range, which the dry run finds reachable.
      if (c.cost != "measured" && s != "growth") {
        REQUIRE(j["constraints"].size() == 1);
        CHECK(j["constraints"][0]["reachable"] == true);
      }
    }
  // A cell space with the strategies that sample whole networks.
  for (const std::string s : {"random", "evolution", "coexplore"}) {
    INFO(s);
    auto r = run_hwnas({"init", "--strategy", s, "--space", "nb201-fmnist"});
    REQUIRE(r.rc == 0);
    write_file_atomic(dir + "/nb.yaml", r.out);
    CHECK(run_hwnas({"search", "--config", dir + "/nb.yaml", "--dry-run"}).rc == 0);
  }
}

TEST_CASE("init refuses what it cannot make a config for", "[cli][init][bad]") {
  struct Case {
    std::vector<std::string> args;
    std::string expect;
  };
  const std::vector<Case> cases = {
      {{"--strategy", "annealing", "--space", "proxyless-fmnist"}, "expected one of"},
      {{"--strategy", "random", "--space", "no-such-space"}, "no-such-space"},
      {{"--strategy", "random", "--space", "nb201", "--cost", "lut"},
       "no latency table for space nb201"},
      {{"--strategy", "random", "--space", "nb201", "--cost", "table"}, "needs --table FILE"},
      {{"--strategy", "random", "--space", "nb201", "--cost", "cycles"}, "expected flops"},
      {{"--strategy", "growth", "--space", "nb201"}, "growth grows the shipped start net"},
      {{"--strategy", "proxyless", "--space", "nb201-fmnist"}, "cells or branches"},
  };
  for (const auto& c : cases) {
    INFO(c.expect);
    std::vector<std::string> args{"init"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    auto r = run_hwnas(args);
    CHECK(r.rc == 2);
    CHECK(r.out.empty());
    CHECK_THAT(r.err, Catch::Contains(c.expect));
  }
  CHECK(run_hwnas({"init", "--space", "nb201"}).rc == 2);
}

TEST_CASE("the bash completion script completes subcommands and their flags", "[cli][completion]") {
  auto dir = test::temp_dir("completion");
  auto r = run_hwnas({"completion", "bash"});
  REQUIRE(r.rc == 0);
  write_file_atomic(dir + "/hwnas.bash", r.out);
  // Completes the words of a command line as bash would, one per line.
  auto complete = [&](const std::string& line) {
    const std::string script = dir + "/run.sh";
    write_file_atomic(script, "source " + dir +
                                  "/hwnas.bash\n"
                                  "COMP_LINE='" +
                                  line +
                                  "'\n"
                                  "read -ra COMP_WORDS <<< \"$COMP_LINE\"\n"
                                  "[[ $COMP_LINE == *' ' ]] && COMP_WORDS+=('')\n"
                                  "COMP_CWORD=$((${#COMP_WORDS[@]} - 1))\n"
                                  "_hwnas\nprintf '%s\\n' \"${COMPREPLY[@]}\" > " +
                                  dir + "/out.txt\n");
    REQUIRE(std::system(("bash " + script).c_str()) == 0);
    return read_text_file(dir + "/out.txt");
  };
  CHECK(complete("hwnas se") == "search\n");
  CHECK_THAT(complete("hwnas "), Catch::Contains("launch\n") && Catch::Contains("init\n") &&
                                     Catch::Contains("--json\n"));
  CHECK(complete("hwnas init --str") == "--strategy\n");
  CHECK(complete("hwnas latency v") == "validate\n");
  CHECK_THAT(complete("hwnas latency fit --pr"), Catch::Contains("--prior"));
  // A flag's value completes file names.
  write_file_atomic(dir + "/quick.yaml", "x");
  CHECK(complete("hwnas search --config " + dir + "/qu") == dir + "/quick.yaml\n");
  CHECK(run_hwnas({"completion", "fish"}).rc == 2);
}
