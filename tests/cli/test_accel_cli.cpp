// `hwnas accel` as a user runs it: tables, JSON, overrides, sweeps and
// heterogeneous designs, and what it says about broken designs.
#include <filesystem>

#include <catch2/catch.hpp>

#include "../support.h"
#include "hwnas/common/document.h"
#include "hwnas/common/files.h"

using namespace hwnas;
using test::run_hwnas;

namespace {
const std::string kArch = "configs/archs/mobilenet-v2.arch.json";
const std::string kSmall = "configs/archs/fmnist-small.arch.json";
}  // namespace

TEST_CASE("accel reports per-layer costs and totals on every shipped design", "[cli][accel]") {
  for (const std::string t : {"nvdla", "shidiannao", "eyeriss"}) {
    INFO(t);
    auto r =
        run_hwnas({"--json", "accel", "--arch", kArch, "--accel", "configs/accel/" + t + ".yaml"});
    INFO(r.err);
    REQUIRE(r.rc == 0);
    json j = json::parse(r.out);
    for (const char* k : {"cycles", "latency_ms", "energy_mj", "energy_mac_units", "area_mm2"})
      CHECK(j.at(k).get<double>() > 0);
    double cycles = 0, energy = 0;
    for (const auto& l : j.at("layers")) {
      cycles += l.at("cycles").get<double>();
      CHECK(l.at("compute_cycles").get<double>() + l.at("stall_cycles").get<double>() ==
            Approx(l.at("cycles").get<double>()));
      energy += l.at("energy_mac_units").get<double>();
      const auto& e = l.at("energy_by_level");
      CHECK(l.at("energy_mac_units").get<double>() ==
            Approx(e.at("mac").get<double>() + e.at("l1").get<double>() + e.at("l2").get<double>() +
                   e.at("dram").get<double>()));
    }
    CHECK(cycles == Approx(j.at("cycles").get<double>()));
    CHECK(energy == Approx(j.at("energy_mac_units").get<double>()));
    auto text = run_hwnas({"accel", "--arch", kArch, "--accel", "configs/accel/" + t + ".yaml"});
    CHECK(text.rc == 0);
    CHECK_THAT(text.out, Catch::Contains("mbconv k3 e6") && Catch::Contains("total:"));
  }
}

TEST_CASE("accel --set overrides and --sweep tabulates a parameter", "[cli][accel]") {
  auto base =
      run_hwnas({"--json", "accel", "--arch", kArch, "--accel", "configs/accel/nvdla.yaml"});
  auto more = run_hwnas({"--json", "accel", "--arch", kArch, "--accel", "configs/accel/nvdla.yaml",
                         "--set", "pes=512", "--set", "clock_mhz=500"});
  REQUIRE(base.rc == 0);
  REQUIRE(more.rc == 0);
  const double c0 = json::parse(base.out).at("cycles"), c1 = json::parse(more.out).at("cycles");
  CHECK(c1 < c0);
  CHECK(json::parse(more.out).at("area_mm2").get<double>() >
        json::parse(base.out).at("area_mm2").get<double>());
  auto sweep = run_hwnas({"--json", "accel", "--arch", kArch, "--accel",
                          "configs/accel/eyeriss.yaml", "--sweep", "pes=42,84,168"});
  INFO(sweep.err);
  REQUIRE(sweep.rc == 0);
  json pts = json::parse(sweep.out).at("points");
  REQUIRE(pts.size() == 3);
  CHECK(pts[0].at("value") == "42");
  CHECK(pts[1].at("latency_ms").get<double>() < pts[0].at("latency_ms").get<double>());
  CHECK(pts[2].at("area_mm2").get<double>() > pts[1].at("area_mm2").get<double>());
  // Each point says how busy the array is and what bounds it.
  for (const auto& p : pts) {
    CHECK(p.at("utilisation").get<double>() > 0);
    CHECK(p.at("utilisation").get<double>() <= 1);
    CHECK(p.at("bound").get<std::string>().size() > 0);
  }
  auto table = run_hwnas({"accel", "--arch", kArch, "--accel", "configs/accel/eyeriss.yaml",
                          "--sweep", "offchip_bw=1,4"});
  CHECK(table.rc == 0);
  CHECK_THAT(table.out, Catch::Contains("offchip_bw") && Catch::Contains("latency_ms") &&
                            Catch::Contains("utilisation") && Catch::Contains("bound"));
}

TEST_CASE("accel runs the tasks of a heterogeneous design", "[cli][accel]") {
  auto r = run_hwnas({"--json", "accel", "--arch", kSmall, "--arch", kArch, "--accel",
                      "configs/accel/hetero-2.yaml"});
  INFO(r.err);
  REQUIRE(r.rc == 0);
  json j = json::parse(r.out);
  REQUIRE(j.at("tasks").size() == 2);
  const double a = j["tasks"][0]["latency_ms"], b = j["tasks"][1]["latency_ms"];
  CHECK(j.at("latency_ms").get<double>() == Approx(std::max(a, b)));
  CHECK(j["tasks"][1]["sub_accelerators"] == json::array({"shi"}));
  // Three tasks, two mapped: exit 2 naming the mapping and the task.
  auto bad = run_hwnas({"accel", "--arch", kSmall, "--arch", kArch, "--arch", kSmall, "--accel",
                        "configs/accel/hetero-2.yaml"});
  CHECK(bad.rc == 2);
  CHECK_THAT(bad.err, Catch::Contains("hetero-2.yaml:") && Catch::Contains("task 2") &&
                          Catch::Contains("is not mapped"));
  // One task of two: exit 2, not a design with an idle sub-accelerator.
  auto one = run_hwnas({"accel", "--arch", kSmall, "--accel", "configs/accel/hetero-2.yaml"});
  CHECK(one.rc == 2);
  CHECK_THAT(one.err, Catch::Contains("the mapping has 2 tasks but 1 network was given"));
  // Two networks on a single accelerator.
  auto two = run_hwnas(
      {"accel", "--arch", kSmall, "--arch", kArch, "--accel", "configs/accel/nvdla.yaml"});
  CHECK(two.rc == 2);
  CHECK_THAT(two.err, Catch::Contains("single accelerator"));
}

TEST_CASE("a sweep marks a point whose buffers are too small and goes on", "[cli][accel]") {
  auto r = run_hwnas({"--json", "accel", "--arch", kArch, "--accel", "configs/accel/nvdla.yaml",
                      "--sweep", "l1_bytes=8,65536"});
  INFO(r.err);
  REQUIRE(r.rc == 0);
  json pts = json::parse(r.out).at("points");
  REQUIRE(pts.size() == 2);
  CHECK(pts[0].at("feasible") == false);
  CHECK_THAT(pts[0].at("error").get<std::string>(), Catch::Contains("needs at least"));
  CHECK(pts[1].at("feasible") == true);
  CHECK(pts[1].at("latency_ms").get<double>() > 0);
  auto text = run_hwnas({"accel", "--arch", kArch, "--accel", "configs/accel/nvdla.yaml", "--sweep",
                         "l1_bytes=8,65536"});
  CHECK(text.rc == 0);
  CHECK_THAT(text.out, Catch::Contains("infeasible: l1_bytes = 8 is too small"));
}

TEST_CASE("accel refuses broken overrides and sweeps with exit 2", "[cli][accel]") {
  const std::string never = test::temp_dir("accel-out") + "/sweep";  // never written
  struct Case {
    std::vector<std::string> extra;
    std::string expect;
  };
  for (const Case& c : std::vector<Case>{
           {{"--set", "pes=0"}, "pes: expected an integer in [1,"},
           {{"--set", "offchip_bw=-1"}, "offchip_bw: expected a number in"},
           {{"--set", "energy.l2=-5"}, "energy.l2: expected a number in [0,"},
           {{"--set", "template=tpu"}, "nvdla, shidiannao, eyeriss"},
           {{"--set", "l1_bytes=8"}, "needs at least"},
           {{"--sweep", "pes"}, "expected key=v1,v2"},
           {{"--sweep", "pes=64,x"}, "--sweep"},
           {{"--out", never}, "give --sweep too"},
           {{"--sweep", "pes=64,128", "--out", "configs/accel"}, "exists"},
           {{"--sweep", "pes=64,x", "--out", never}, "--sweep"},
       }) {
    std::vector<std::string> args = {"--json", "accel",   "--arch",
                                     kArch,    "--accel", "configs/accel/nvdla.yaml"};
    args.insert(args.end(), c.extra.begin(), c.extra.end());
    auto r = run_hwnas(args);
    INFO(c.extra[1] << "\n" << r.err);
    CHECK(r.rc == 2);
    CHECK_THAT(r.err, Catch::Contains(c.expect));
    CHECK(json::parse(r.out).contains("error"));
    CHECK_FALSE(std::filesystem::exists(never));
  }
}
