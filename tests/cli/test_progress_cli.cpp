// Progress of long work: one line redrawn in place on a terminal (run under
// a pseudo-terminal by `script`), plain log lines when piped.
#include <cstdlib>
#include <filesystem>

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include "../support.h"
#include "hwnas/common/files.h"

using namespace hwnas;
namespace fs = std::filesystem;

TEST_CASE("training shows one progress line on a terminal and plain lines in a pipe",
          "[cli][progress]") {
  REQUIRE(std::system("command -v script >/dev/null 2>&1") == 0);
  const std::string d = test::temp_dir("progress");
  write_file_atomic(d + "/c.yaml",
                    "name: p\nseed: 1\nthreads: 1\n"
                    "data: {dataset: synthetic, train_limit: 512, test_limit: 32}\n"
                    "train: {epochs: 2, batch: 16, optimizer: {lr: 0.05}}\n");
  write_file_atomic(d + "/a.json", R"({"format": "hwnas.arch/1", "name": "a", "input": [1, 28, 28],
    "num_classes": 10, "layers": [{"op": "conv", "out": 8, "k": 3, "stride": 2},
    {"op": "gap"}, {"op": "linear", "out": 10}]})");
  const std::string train =
      fmt::format("{} train --config {}/c.yaml --arch {}/a.json", HWNAS_BIN, d, d);

  // A terminal: script gives the command a pseudo-terminal and keeps what it drew.
  const std::string tty = d + "/tty.log";
  REQUIRE(std::system(fmt::format("cd {} && TERM=xterm script -qec '{} --out {}/t1' {} "
                                  "> /dev/null 2>&1",
                                  d, train, d, tty)
                          .c_str()) == 0);
  const std::string drawn = read_text_file(tty);
  CHECK(drawn.find("\r") != std::string::npos);
  CHECK(drawn.find("\x1b[K") != std::string::npos);
  CHECK(drawn.find("training ") != std::string::npos);
  CHECK(drawn.find("steps (") != std::string::npos);
  CHECK(drawn.find("ETA") != std::string::npos);
  CHECK(drawn.find("loss") != std::string::npos);
  // The periodic step lines are replaced by the progress line.
  CHECK(drawn.find("] epoch 1/2 step 32/32") == std::string::npos);

  // A pipe: the periodic lines as before, nothing drawn.
  auto piped = test::run_hwnas(
      {"train", "--config", d + "/c.yaml", "--arch", d + "/a.json", "--out", d + "/t2"});
  INFO(piped.err);
  REQUIRE(piped.rc == 0);
  CHECK(piped.err.find("\r") == std::string::npos);
  CHECK(piped.err.find("\x1b[K") == std::string::npos);
  CHECK(piped.err.find("epoch 1/2 step 32/32") != std::string::npos);
}
