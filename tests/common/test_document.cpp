#include <cmath>
#include <filesystem>

#include <catch2/catch.hpp>

#include "../support.h"
#include "hwnas/common/document.h"
#include "hwnas/common/error.h"
#include "hwnas/common/files.h"
#include "hwnas/common/text.h"

using namespace hwnas;
using test::error_of;
namespace fs = std::filesystem;

namespace {}  // namespace

TEST_CASE("YAML scalars are typed by the core schema and quoted ones stay strings", "[common]") {
  auto d = parse_yaml(
      "i: 42\nneg: -7\nf: 0.25\ne: 4e-05\nb: true\nB: False\nn: ~\ne2:\ns: hello\nq: '42'\n"
      "nan: .nan\ninf: -.inf\nbig: 99999999999999999999999\nplus: +3\n",
      "t.yaml");
  const auto& r = d.root;
  CHECK(r["i"].is_number_integer());
  CHECK(r["i"].get<int>() == 42);
  CHECK(r["neg"].get<int>() == -7);
  CHECK(r["f"].get<double>() == 0.25);
  CHECK(r["e"].get<double>() == Approx(4e-5));
  CHECK(r["b"].get<bool>() == true);
  CHECK(r["B"].get<bool>() == false);
  CHECK(r["n"].is_null());
  CHECK(r["e2"].is_null());
  CHECK(r["s"] == "hello");
  CHECK(r["q"].is_string());
  CHECK(std::isnan(r["nan"].get<double>()));
  CHECK(r["inf"].get<double>() == -INFINITY);
  CHECK(r["big"].is_number_float());
  CHECK(r["plus"].get<int>() == 3);
}

TEST_CASE("errors name the file and line:col and the key path", "[common]") {
  auto d = parse_yaml("a:\n  b: [1, 2, x]\n  c: {d: 5}\n", "f.yaml");
  Fields f = Value(d, d.root, "", "").as_object();
  Fields a = f.get("a").as_object();
  auto items = a.get("b").as_list();
  CHECK(error_of([&] { items[2].as_int(0, 9); }) ==
        "f.yaml:2:13: a.b[2]: expected an integer in [0, 9], got the string 'x'");
  Fields c = a.get("c").as_object();
  CHECK(error_of([&] { c.get_int("d", 0, 3); }) ==
        "f.yaml:3:10: a.c.d: expected an integer in [0, 3], got 5");
  CHECK_THAT(error_of([&] { c.get("e"); }), Catch::Contains("a.c.e: missing required key"));
}

TEST_CASE("unknown keys are rejected with a suggestion", "[common]") {
  auto d = parse_yaml("epochs: 3\nbatc: 64\n", "t.yaml");
  Fields f = Value(d, d.root, "", "").as_object();
  f.get_int("epochs", 1, 10);
  f.get_int("batch", 1, 1000, 32);
  CHECK_THAT(error_of([&] { f.finish(); }),
             Catch::Contains("t.yaml:2:7: batc: unknown key (did you mean 'batch'?)"));
}

TEST_CASE("duplicate keys are errors in YAML and JSON", "[common]") {
  CHECK_THAT(error_of([] { parse_yaml("a: 1\nb: {x: 1, x: 2}\n", "d.yaml"); }),
             Catch::Contains("d.yaml:2:11: b.x: duplicate key 'x'"));
  CHECK_THAT(error_of([] { parse_json(R"({"a": {"l": [{"k": 1, "k": 2}]}})", "d.json"); }),
             Catch::Contains("d.json: a.l[0].k: duplicate key 'k'"));
}

TEST_CASE("aliases expand but bombs and deep nesting are refused", "[common]") {
  auto d = parse_yaml("base: &b [1, 2]\nuse: *b\n", "a.yaml");
  CHECK(d.root["use"] == d.root["base"]);
  std::string bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 8; ++i) {
    bomb += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int k = 0; k < 10; ++k) bomb += (k ? ", *a" : "*a") + std::to_string(i - 1);
    bomb += "]\n";
  }
  CHECK_THAT(error_of([&] { parse_yaml(bomb, "b.yaml"); }),
             Catch::Contains("values after expanding aliases"));
  CHECK_THAT(
      error_of([] { parse_yaml("x: " + std::string(100, '[') + std::string(100, ']'), "n.yaml"); }),
      Catch::Contains("nesting deeper than 64 levels"));
  CHECK_THAT(error_of([] { parse_json(std::string(100, '[') + std::string(100, ']'), "n.json"); }),
             Catch::Contains("nesting deeper than 64 levels"));
}

TEST_CASE("JSON syntax errors carry line and column", "[common]") {
  CHECK_THAT(error_of([] { parse_json("{\n  \"a\": 1,\n  \"b\": tru\n}", "s.json"); }),
             Catch::StartsWith("s.json:3:") && Catch::Contains("invalid JSON"));
}

TEST_CASE("to_yaml round-trips values whose strings look like other types", "[common]") {
  json j = {{"s", "3"},
            {"t", "true"},
            {"n", "null"},
            {"x", 0.1},
            {"i", 7},
            {"neg", -2.5e-7},
            {"list", {1, 2, 3}},
            {"nested", {{"a", json::array({json{{"b", "c"}}})}}},
            {"empty", json::array()},
            {"z", nullptr},
            {"f", false}};
  auto back = parse_yaml(to_yaml(j), "rt.yaml").root;
  CHECK(back == j);
}

TEST_CASE("UTF-8 validation finds the first bad byte", "[common]") {
  CHECK(first_invalid_utf8("plain ascii") == std::string::npos);
  CHECK(first_invalid_utf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80") == std::string::npos);
  CHECK(first_invalid_utf8("ab\xff") == 2);
  CHECK(first_invalid_utf8("\xc0\xaf") == 0);       // overlong '/'
  CHECK(first_invalid_utf8("x\xed\xa0\x80") == 1);  // surrogate
  CHECK(first_invalid_utf8("x\xe2\x82") == 1);      // truncated
  auto lc = line_col_at("ab\ncd\nef", 7);
  CHECK(lc.line == 3);
  CHECK(lc.col == 2);
}

TEST_CASE("input files that are missing or a directory or empty or not UTF-8 are refused",
          "[common]") {
  auto dir = test::temp_dir("files");
  CHECK_THAT(error_of([&] { read_text_file(dir + "/none.yaml"); }),
             Catch::Contains("no such file"));
  CHECK_THAT(error_of([&] { read_text_file(dir); }), Catch::Contains("is a directory"));
  write_file_atomic(dir + "/empty.yaml", "  \n");
  CHECK_THAT(error_of([&] { read_text_file(dir + "/empty.yaml"); }),
             Catch::Contains("file is empty"));
  write_file_atomic(dir + "/bad.yaml", "a: 1\nb: \xff\n");
  CHECK(error_of([&] { read_text_file(dir + "/bad.yaml"); }) ==
        dir + "/bad.yaml:2:4: invalid UTF-8 (the file must be UTF-8 text)");
}

TEST_CASE("atomic writes replace whole files and leave no temp files", "[common]") {
  auto dir = test::temp_dir("atomic");
  write_file_atomic(dir + "/x.json", "first");
  write_file_atomic(dir + "/x.json", "second");
  CHECK(read_text_file(dir + "/x.json") == "second");
  int n = 0;
  for (auto& e : fs::directory_iterator(dir)) n += 1, (void)e;
  CHECK(n == 1);
  CHECK_THROWS(write_file_atomic(dir + "/missing/x.json", "data"));
  CHECK_FALSE(fs::exists(dir + "/missing"));
}

TEST_CASE("did_you_mean suggests only close words", "[common]") {
  std::vector<std::string> known = {"train", "retrain", "strategy", "space"};
  CHECK(did_you_mean("trian", known) == " (did you mean 'train'?)");
  CHECK(did_you_mean("stratgy", known) == " (did you mean 'strategy'?)");
  CHECK(did_you_mean("zzzzzz", known).empty());
}

TEST_CASE("hostile documents: huge scalars and keys, numbers beyond double", "[common][hostile]") {
  // 60,000 digits overflowed the stack of the std::regex checks it replaced.
  const std::string digits(60000, '1');
  CHECK(parse_yaml("n: " + digits + "\n", "f.yaml").root["n"].is_number_float());
  CHECK_THAT(error_of([&] { parse_yaml("s: " + std::string(70000, 'a') + "\n", "f.yaml"); }),
             Catch::Contains("f.yaml:1:4: s: a value of 70000 bytes; at most 65536 are allowed"));
  CHECK_THAT(error_of([&] { parse_yaml("? " + std::string(2000, 'k') + "\n: 1\n", "f.yaml"); }),
             Catch::Contains("a key of 2000 bytes; at most 1024 are allowed"));
  CHECK_THAT(
      error_of([&] { parse_json("{\"a\": \"" + std::string(70000, 'x') + "\"}", "f.json"); }),
      Catch::Contains("f.json: a value of 70000 bytes"));
  CHECK_THAT(error_of([&] { parse_json("{\"k\": 1e400}", "f.json"); }),
             Catch::Contains("f.json: invalid JSON"));
  // The scanners that replaced the regexes type what they did.
  for (const char* s : {"1", "-2", "+3", "0.5", ".5", "5.", "1e3", "-1.5E-3"})
    CHECK(parse_yaml(std::string("v: ") + s, "f").root["v"].is_number());
  for (const char* s : {"1e", ".", "e3", "1.2.3", "0x10", "--1", "1e+", "+.", "1 2"})
    CHECK(parse_yaml(std::string("v: '") + s + "'", "f").root["v"].is_string());
  for (const char* s : {"1e", "e3", "1.2.3", "0x10", "--1", "1e+"})
    CHECK(parse_yaml(std::string("v: ") + s, "f").root["v"].is_string());
  CHECK(std::isinf(parse_yaml("v: -.inf", "f").root["v"].get<double>()));
  // yaml-cpp's LoadAll never returns on a lone ',' (found by fuzzing).
  for (const char* text : {",", "a: 1\n---\nb: 2\n"})
    CHECK_THAT(error_of([&] { parse_yaml(text, "f.yaml"); }),
               Catch::Contains("f.yaml: expected one YAML document, found more after it"));
  CHECK_THAT(error_of([&] { parse_yaml("", "f.yaml"); }), Catch::Contains("file is empty"));
  CHECK(parse_decimal("2.5e-3") == 0.0025);
  CHECK_FALSE(parse_decimal("inf"));
  CHECK_FALSE(parse_decimal("1e400"));
  CHECK_FALSE(parse_decimal(" 1"));
  CHECK_FALSE(parse_decimal("0x1p3"));
}

TEST_CASE("messages stay one line and short whatever the input held", "[common][hostile]") {
  CHECK(one_line("a\nb\rc\td\x01") == "a\\nb\\rc d\\x01");
  const std::string huge(20000, 'z');
  const std::string cut = one_line("name '" + huge + "' is unknown");
  CHECK(cut.size() < 200);
  CHECK_THAT(cut, Catch::Contains("...[19882 bytes]..."));
  CHECK_THAT(cut, Catch::EndsWith("' is unknown"));
  CHECK(one_line("a normal message: file.yaml:3:4") == "a normal message: file.yaml:3:4");
  // A 20,000-character name gets no suggestion, and no 3 GB edit-distance matrix.
  CHECK(did_you_mean(huge, {"zzz", "epochs"}).empty());
}
