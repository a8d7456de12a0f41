// The real `hwnas` binary: exit codes, --json shapes, outputs on disk.
#include <filesystem>

#include <catch2/catch.hpp>

#include "../support.h"
#include "hwnas/common/document.h"
#include "hwnas/common/files.h"
#include "hwnas/ir/arch_json.h"
#include "hwnas/space/genotype.h"

using namespace hwnas;
using test::run_hwnas;
namespace fs = std::filesystem;

namespace {
json json_of(const test::CliResult& r) {
  INFO(r.err);
  return json::parse(r.out);
}
}  // namespace

TEST_CASE("the version and help flags exit 0", "[cli]") {
  auto v = run_hwnas({"--version"});
  CHECK(v.rc == 0);
  CHECK_THAT(v.out, Catch::StartsWith("hwnas 0.1.0 (git "));
  auto h = run_hwnas({"--help"});
  CHECK(h.rc == 0);
  for (auto cmd : {"stats", "space", "search"}) CHECK_THAT(h.out, Catch::Contains(cmd));
  CHECK(run_hwnas({"stats", "--help"}).rc == 0);
}

TEST_CASE("usage errors exit 2 and print a JSON error under --json", "[cli]") {
  CHECK(run_hwnas({}).rc == 2);
  CHECK(run_hwnas({"frobnicate"}).rc == 2);
  CHECK(run_hwnas({"stats"}).rc == 2);
  CHECK(run_hwnas({"stats", "--arch", "a.json", "--space", "fbnet", "--genotype", "0"}).rc == 2);
  CHECK(run_hwnas({"--log-level", "loud", "space", "fbnet"}).rc == 2);
  CHECK(run_hwnas({"stats", "--arch", "configs/archs/fbnet-a.arch.json", "--batch", "0"}).rc == 2);
  CHECK(run_hwnas({"stats", "--space", "fbnet", "--genotype", "0,x"}).rc == 2);
  CHECK(run_hwnas({"stats", "--space", "fbnet", "--genotype", "0,1"}).rc == 2);  // wrong length
  CHECK(run_hwnas({"stats", "--space", "fbnet"}).rc == 2);  // --genotype missing
  CHECK(run_hwnas({"space", "fbnet", "--sample", "0", "--out", "x"}).rc == 2);
  CHECK(run_hwnas({"space", "fbnet", "--sample", "2"}).rc == 2);  // --out missing
  CHECK(run_hwnas({"space", "fbnet", "--seed", "-1"}).rc == 2);
  CHECK(run_hwnas({"search", "--config", "configs/quickstart.yaml", "--dry-run", "--threads", "0"})
            .rc == 2);
  CHECK(run_hwnas({"search", "--config", "configs/quickstart.yaml", "--dry-run", "--seed", "-3"})
            .rc == 2);
  CHECK(run_hwnas({"search", "--config", "configs/missing.yaml", "--dry-run"}).rc == 2);
  auto r = run_hwnas({"search", "--json"});
  CHECK(r.rc == 2);
  CHECK(json_of(r).contains("error"));
  CHECK_THAT(r.err, Catch::StartsWith("hwnas: error: "));
}

TEST_CASE("stats --json reports the contract's keys", "[cli]") {
  auto r = run_hwnas({"stats", "--arch", "configs/archs/mobilenet-v2.arch.json", "--json"});
  REQUIRE(r.rc == 0);
  json j = json_of(r);
  CHECK(j["macs"] == 300774272);
  CHECK(j["params"] == 3504872);
  CHECK(j["peak_activation_bytes"].get<std::int64_t>() > 0);
  CHECK(j["layers"].size() ==
        load_arch(test::source_path("configs/archs/mobilenet-v2.arch.json")).layers.size());
  auto text = run_hwnas({"stats", "--arch", "configs/archs/mobilenet-v2.arch.json"});
  CHECK(text.rc == 0);
  CHECK_THAT(text.out, Catch::Contains("total: 300774272 MACs"));
}

TEST_CASE("NAS-Bench-201 genotypes through the CLI: stats, space --genotype, graphs", "[cli]") {
  const std::string str =
      "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_"
      "connect~2|";
  json a = json_of(run_hwnas({"stats", "--space", "nb201", "--genotype", "334131", "--json"}));
  json b = json_of(run_hwnas({"stats", "--space", "nb201", "--genotype", str, "--json"}));
  CHECK(a["params"] == 802426);
  CHECK(a["macs"] == b["macs"]);
  CHECK(a["genotype"] == json({3, 3, 4, 1, 3, 1}));
  CHECK(a["genotype_external"] == str);
  CHECK(a["space"] == "nb201");
  // The cell's add reads its two edges; the table spells out graph wiring.
  CHECK(a["layers"][4]["op"] == "add");
  CHECK(a["layers"][4]["inputs"] == json({2, 3}));
  auto text = run_hwnas({"stats", "--space", "nb201", "--genotype", "334131"});
  CHECK_THAT(text.out, Catch::Contains("reads") && Catch::Contains(" 2,3 "));
  // A genotype's arch, written as a file.
  auto dir = test::temp_dir("genotype-out");
  auto w = run_hwnas(
      {"space", "nb201", "--genotype", "012340", "--out", dir + "/n.arch.json", "--json"});
  INFO(w.err);
  REQUIRE(w.rc == 0);
  Arch n = load_arch(dir + "/n.arch.json");
  CHECK(n.name == "nb201-012340");
  CHECK(n.genotype == Genotype{0, 1, 2, 3, 4, 0});
  // Never over an existing file; bad genotypes exit 2 naming the flag.
  auto again = run_hwnas({"space", "nb201", "--genotype", "012340", "--out", dir + "/n.arch.json"});
  CHECK(again.rc == 2);
  CHECK_THAT(again.err, Catch::Contains("already exists"));
  auto bad = run_hwnas({"stats", "--space", "nb201", "--genotype", "33413"});
  CHECK(bad.rc == 2);
  CHECK_THAT(bad.err, Catch::Contains("--genotype: expected space nb201's 6-digit ops code"));
  CHECK(run_hwnas({"space", "nb201", "--out", dir + "/x"}).rc == 2);  // --out without either
  CHECK(run_hwnas({"space", "nb201", "--genotype", "0,1"}).rc == 2);  // --genotype without --out
}

TEST_CASE("space --sample writes valid archs and stats by genotype agrees", "[cli]") {
  auto dir = test::temp_dir("sample") + "/samples/";  // a new folder; the slash is dropped
  auto r = run_hwnas(
      {"space", "proxyless-fmnist", "--sample", "3", "--seed", "4", "--out", dir, "--json"});
  REQUIRE(r.rc == 0);
  json j = json_of(r);
  CHECK(j["size"] == "152473104");
  CHECK(j["positions"] == 10);
  REQUIRE(j["samples"].size() == 3);
  for (const auto& p : j["samples"]) {
    Arch a = load_arch(p.get<std::string>());
    std::string g;
    for (int x : a.genotype) g += (g.empty() ? "" : ",") + std::to_string(x);
    auto by_arch = json_of(run_hwnas({"stats", "--arch", p.get<std::string>(), "--json"}));
    auto by_geno =
        json_of(run_hwnas({"stats", "--space", "proxyless-fmnist", "--genotype", g, "--json"}));
    CHECK(by_arch["macs"] == by_geno["macs"]);
    CHECK(by_arch["params"] == by_geno["params"]);
  }
  CHECK(j["samples"][0].get<std::string>().find("/samples/proxyless-fmnist-0000") !=
        std::string::npos);
  // An existing folder is never written into: the second run fails and leaves it as it was.
  auto first = read_text_file(j["samples"][0].get<std::string>());
  auto again =
      run_hwnas({"space", "proxyless-fmnist", "--sample", "3", "--seed", "5", "--out", dir});
  CHECK(again.rc == 2);
  CHECK_THAT(again.err, Catch::Contains("already exists"));
  CHECK(read_text_file(j["samples"][0].get<std::string>()) == first);
}

TEST_CASE("space reports exact sizes and lists the shipped spaces", "[cli]") {
  auto r = run_hwnas({"space", "proxyless-mobile", "--json"});
  REQUIRE(r.rc == 0);
  json j = json_of(r);
  CHECK(j["size"] == "221502229807900608");  // 6^6 x 7^15
  CHECK(j["positions"] == 21);
  CHECK(j["size_log10"].get<double>() == Approx(17.3454).epsilon(1e-4));
  auto l = json_of(run_hwnas({"space", "--list", "--json"}));
  CHECK(l["spaces"] == json::array({"eeea-c10", "eeea-c10-search", "fbnet", "fbnet-c100", "nb201",
                                    "nb201-fmnist", "proxyless-fmnist", "proxyless-mobile"}));
  auto unknown = run_hwnas({"space", "proxyless-mobil"});
  CHECK(unknown.rc == 2);
  CHECK_THAT(unknown.err, Catch::Contains("did you mean 'proxyless-mobile'"));
}

TEST_CASE("search --dry-run prints the resolved config and space and cost ranges", "[cli]") {
  auto r = run_hwnas(
      {"search", "--config", "configs/quickstart.yaml", "--dry-run", "--threads", "1", "--json"});
  REQUIRE(r.rc == 0);
  json j = json_of(r);
  CHECK(j["config"]["threads"] == 1);
  CHECK(j["config"]["strategy"]["loss"]["model"] == "lat");
  CHECK(j["space"]["size"] == "152473104");
  CHECK(j["run_dir"] == "runs/quickstart");
  auto lat = j["costs"]["lat"]["latency_ms"];
  CHECK(lat["min"].get<double>() < lat["max"].get<double>());
  CHECK(j["costs"]["ir"]["macs"]["min"] == 5991536.0);
  auto text = run_hwnas({"search", "--config", "configs/quickstart.yaml", "--dry-run"});
  CHECK(text.rc == 0);
  CHECK_THAT(text.out,
             Catch::Contains("space proxyless-fmnist: 10 positions, 152473104 architectures"));
  CHECK(j["constraints"][0]["reachable"] == true);
}

TEST_CASE("a dry run on a block-cell space gives ranges over sampled networks", "[cli]") {
  auto dir = test::temp_dir("dry-eeea");
  write_file_atomic(dir + "/c.yaml", R"(name: eeea-dry
space: eeea-c10-search
data: {dataset: synthetic}
cost_models:
  lat: {type: flops, gmacs_per_s: 5, overhead_ms: 0.3}
constraints:
  - {model: lat, metric: latency_ms, max: 14}
  - {metric: params, max: 400000}
strategy: {type: random, samples: 4}
)");
  auto r = run_hwnas({"search", "--config", dir + "/c.yaml", "--dry-run", "--json"});
  INFO(r.err);
  REQUIRE(r.rc == 0);
  json j = json_of(r);
  // Nothing is tabled per position: every range comes from 200 networks.
  auto params = j["costs"]["ir"]["params"];
  CHECK(params["sampled"] == 200);
  CHECK(params["min"].get<double>() < params["max"].get<double>());
  auto lat = j["costs"]["lat"]["latency_ms"];
  CHECK(lat["min"].get<double>() > 0.3);
  for (const auto& c : j["constraints"]) {
    CHECK_FALSE(c.contains("reachable"));
    CHECK(c["sampled"] == 200);
    CHECK(c["met_by_sampled"].get<int>() >= 0);
    CHECK(c["met_by_sampled"].get<int>() <= 200);
  }
  auto text = run_hwnas({"search", "--config", dir + "/c.yaml", "--dry-run"});
  CHECK_THAT(text.out, Catch::Contains("(over 200 sampled networks)") &&
                           Catch::Contains("of 200 sampled networks"));
}
