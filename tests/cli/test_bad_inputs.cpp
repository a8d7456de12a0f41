// Every case of tests/data/bad/cases.tsv (made by make_corpus.py): exit 2,
// one line on stderr naming the file and what was expected, no output file.
#include <fstream>
#include <sstream>

#include <catch2/catch.hpp>

#include "../support.h"
#include "hwnas/common/document.h"

using namespace hwnas;

namespace {
struct Case {
  std::string file, kind, expect;
};
std::vector<Case> load_cases() {
  std::ifstream in(test::source_path("tests/data/bad/cases.tsv"));
  std::vector<Case> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::stringstream ss(line);
    Case c;
    std::getline(ss, c.file, '\t');
    std::getline(ss, c.kind, '\t');
    std::getline(ss, c.expect, '\t');
    out.push_back(c);
  }
  return out;
}
std::vector<std::string> command_for(const Case& c) {
  if (c.kind == "arch") return {"stats", "--arch", c.file};
  if (c.kind == "space") return {"space", c.file};
  if (c.kind == "accel")
    return {"accel", "--arch", test::source_path("configs/archs/mobilenet-v2.arch.json"), "--accel",
            c.file};
  return {"search", "--config", c.file, "--dry-run"};
}
}  // namespace

TEST_CASE("every broken input fails cleanly with exit 2 and a one-line error", "[cli][bad]") {
  auto cases = load_cases();
  REQUIRE(cases.size() >= 70);
  const std::string dir = test::source_path("tests/data/bad");
  for (const auto& c : cases) {
    INFO(c.file << " (" << c.kind << ")");
    auto r = test::run_hwnas(command_for(c), dir);
    INFO(r.err);
    CHECK(r.rc == 2);
    CHECK(r.out.empty());
    CHECK_THAT(r.err, Catch::StartsWith("hwnas: error: "));
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    CHECK_THAT(r.err, Catch::Contains(c.file));
    CHECK_THAT(r.err, Catch::Contains(c.expect));
    auto args = command_for(c);
    args.push_back("--json");
    auto rj = test::run_hwnas(args, dir);
    CHECK(rj.rc == 2);
    CHECK_THAT(json::parse(rj.out)["error"].get<std::string>(), Catch::Contains(c.expect));
  }
}
