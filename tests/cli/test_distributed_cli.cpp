// Multi-process runs over loopback with Gloo: `hwnas launch` and torchrun
// (Debian's python3-torch, the independent launcher) start real processes
// of the real binary on real Fashion-MNIST.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include <catch2/catch.hpp>

#include "../support.h"
#include "hwnas/common/document.h"
#include "hwnas/common/files.h"
#include "hwnas/common/weights_archive.h"
#include "hwnas/cost/latency_table.h"

using namespace hwnas;
using test::run_hwnas;
namespace fs = std::filesystem;

namespace {

const char* const kFmnist = "/usr/share/datasets/fashion-mnist";

// A net without BatchNorm: data-parallel training is then exactly the
// single-process training on the global batch.
const char* const kNoBnArch = R"({"format": "hwnas.arch/1", "name": "nobn",
  "input": [1, 28, 28], "num_classes": 10, "layers": [
  {"op": "conv", "out": 8, "k": 3, "stride": 2, "bn": false},
  {"op": "conv", "out": 16, "k": 3, "stride": 2, "bn": false},
  {"op": "gap"}, {"op": "linear", "out": 10}]})";

// Environment variables set for the scope (the binary inherits them).
class Env {
 public:
  explicit Env(std::map<std::string, std::string> vars) : vars_(std::move(vars)) {
    for (const auto& [k, v] : vars_) ::setenv(k.c_str(), v.c_str(), 1);
  }
  Env(const std::string& name, const std::string& value)
      : Env(std::map<std::string, std::string>{{name, value}}) {}
  Env(const Env&) = delete;
  ~Env() {
    for (const auto& [k, v] : vars_) ::unsetenv(k.c_str());
  }

 private:
  std::map<std::string, std::string> vars_;
};

std::string train_config(const std::string& dir, const std::string& name, int batch,
                         int epochs = 1) {
  const std::string path = dir + "/" + name + ".yaml";
  write_file_atomic(path, "name: " + name +
                              "\nseed: 3\nthreads: 1\n"
                              "data: {dataset: fashion-mnist, path: " +
                              kFmnist +
                              ", train_limit: 2048, test_limit: 256, augment: {crop_pad: 2}}\n"
                              "train: {epochs: " +
                              std::to_string(epochs) + ", batch: " + std::to_string(batch) +
                              ", optimizer: {type: sgd, lr: 0.05, momentum: 0.9}}\n");
  return path;
}

// Every tensor of a weights file as doubles, by name.
std::map<std::string, std::vector<double>> weights_of(const std::string& path) {
  const WeightsArchive a = read_weights_archive(path);
  std::map<std::string, std::vector<double>> out;
  for (const auto& t : a.tensors) {
    if (t.dtype != "float32") continue;
    std::int64_t n = 1;
    for (auto s : t.sizes) n *= s;
    std::vector<double> v(static_cast<std::size_t>(n));
    const float* p = reinterpret_cast<const float*>(a.bytes.data() + t.data_begin) + t.offset;
    for (std::int64_t i = 0; i < n; ++i) v[std::size_t(i)] = p[i];
    out[t.name] = std::move(v);
  }
  return out;
}

// The largest difference between two weights files' values, relative to
// the value where it is above 1 (running variances), else absolute.
double max_difference(const std::string& a, const std::string& b) {
  const auto wa = weights_of(a), wb = weights_of(b);
  REQUIRE(wa.size() == wb.size());
  double worst = 0;
  for (const auto& [name, v] : wa) {
    REQUIRE(wb.count(name));
    REQUIRE(wb.at(name).size() == v.size());
    for (std::size_t i = 0; i < v.size(); ++i)
      worst = std::max(worst, std::abs(v[i] - wb.at(name)[i]) / std::max(1.0, std::abs(v[i])));
  }
  return worst;
}

std::string debian_python() {
  return fs::exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
}

// Runs a shell command; its exit code, output in `out`.
int shell(const std::string& cmd, std::string& out) {
  out.clear();
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  REQUIRE(p);
  char buf[4096];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  const int status = ::pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

TEST_CASE("2 ranks x batch 32 train the weights of 1 rank x batch 64", "[cli][distributed]") {
  auto dir = test::temp_dir("dist-dp");
  write_file_atomic(dir + "/a.arch.json", kNoBnArch);
  auto one = run_hwnas({"train", "--arch", dir + "/a.arch.json", "--config",
                        train_config(dir, "one", 64), "--out", dir + "/one", "--threads", "1"});
  INFO(one.err);
  REQUIRE(one.rc == 0);
  auto two = run_hwnas({"launch", "--nproc", "2", "--", "train", "--arch", dir + "/a.arch.json",
                        "--config", train_config(dir, "two", 32), "--out", dir + "/two",
                        "--threads", "1", "--json"});
  INFO(two.err);
  REQUIRE(two.rc == 0);
  // Rank 0 alone reports and writes the run directory.
  const json j = json::parse(two.out);
  CHECK(j["steps"] == 32);
  CHECK(max_difference(dir + "/one/model.weights", dir + "/two/model.weights") < 1e-5);
  CHECK(test::read_jsonl(dir + "/two/events.jsonl").size() ==
        test::read_jsonl(dir + "/one/events.jsonl").size());
}

TEST_CASE("with sync_bn, 2 ranks x batch 32 train a BatchNorm net as 1 rank x batch 64",
          "[cli][distributed]") {
  auto dir = test::temp_dir("dist-syncbn");
  write_file_atomic(dir + "/a.arch.json", R"({"format": "hwnas.arch/1", "name": "bn",
    "input": [1, 28, 28], "num_classes": 10, "layers": [
    {"op": "conv", "out": 8, "k": 3, "stride": 2},
    {"op": "mbconv", "out": 16, "k": 3, "e": 3, "stride": 2},
    {"op": "gap"}, {"op": "linear", "out": 10}]})");
  auto sync = [&](const std::string& name, int batch) {
    std::string text = read_text_file(train_config(dir, name, batch));
    text.insert(text.find("optimizer:"), "sync_bn: true, ");
    write_file_atomic(dir + "/" + name + ".yaml", text);
    return dir + "/" + name + ".yaml";
  };
  auto one = run_hwnas({"train", "--arch", dir + "/a.arch.json", "--config", sync("one", 64),
                        "--out", dir + "/one", "--threads", "1"});
  INFO(one.err);
  REQUIRE(one.rc == 0);
  auto two = run_hwnas({"launch", "--nproc", "2", "--", "train", "--arch", dir + "/a.arch.json",
                        "--config", sync("two", 32), "--out", dir + "/two", "--threads", "1"});
  INFO(two.err);
  REQUIRE(two.rc == 0);
  // Weights and running statistics alike, up to rounding: sync_bn sums in
  // double, torch's kernel in float, and 32 SGD steps amplify the difference
  // (3e-4 measured, against 2e-2 without sync_bn).
  CHECK(max_difference(dir + "/one/model.weights", dir + "/two/model.weights") < 1e-3);
  // Without it each rank normalises with its own 32 images: other weights.
  auto own = run_hwnas({"launch", "--nproc", "2", "--", "train", "--arch", dir + "/a.arch.json",
                        "--config", train_config(dir, "own", 32), "--out", dir + "/own",
                        "--threads", "1"});
  REQUIRE(own.rc == 0);
  CHECK(max_difference(dir + "/one/model.weights", dir + "/own/model.weights") > 1e-2);
}

TEST_CASE("ranks that sample different supernet paths are stopped by the divergence check",
          "[cli][distributed]") {
  auto dir = test::temp_dir("dist-desync");
  write_file_atomic(dir + "/evo4.yaml", test::kEvo4Space);
  write_file_atomic(dir + "/c.yaml",
                    std::string("name: s\nseed: 2\nthreads: 1\nspace: evo4.yaml\n"
                                "data: {dataset: fashion-mnist, path: ") +
                        kFmnist +
                        ", train_limit: 1024, test_limit: 128}\n"
                        "strategy: {type: proxyless, mode: two, warmup_epochs: 0}\n"
                        "train: {epochs: 1, batch: 16}\nretrain: {epochs: 1, batch: 32}\n");
  {
    Env fault("HWNAS_FAULT", "desync:1");
    auto r = run_hwnas({"launch", "--nproc", "2", "--", "search", "--config", dir + "/c.yaml",
                        "--out", dir + "/run"});
    CHECK(r.rc == 1);
    CHECK_THAT(r.err, Catch::Contains("ranks diverged") && Catch::Contains("sample the same path"));
  }
  // Without the fault the same run completes.
  auto r = run_hwnas({"launch", "--nproc", "2", "--", "search", "--config", dir + "/c.yaml",
                      "--out", dir + "/ok"});
  INFO(r.err);
  CHECK(r.rc == 0);
  CHECK(fs::exists(dir + "/ok/best.arch.json"));
}

TEST_CASE("a killed rank stops the other within the timeout and is named", "[cli][distributed]") {
  auto dir = test::temp_dir("dist-kill");
  write_file_atomic(dir + "/a.arch.json", kNoBnArch);
  const std::string cfg = train_config(dir, "k", 16, 50);
  const std::string err = dir + "/err.txt";
  const pid_t launcher = ::fork();
  REQUIRE(launcher >= 0);
  if (launcher == 0) {
    if (!std::freopen(err.c_str(), "w", stderr)) ::_exit(127);
    std::string bin = HWNAS_BIN;
    std::vector<std::string> args{
        bin,        "launch", "--nproc", "2",          "--dist-timeout",
        "20",       "--",     "train",   "--arch",     dir + "/a.arch.json",
        "--config", cfg,      "--out",   dir + "/run", "--threads",
        "1"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(bin.c_str(), argv.data());
    ::_exit(127);
  }
  // Training has begun once rank 0 logged a step; then rank 1 is killed.
  const auto t0 = std::chrono::steady_clock::now();
  while (test::read_jsonl(dir + "/run/events.jsonl").empty() &&
         std::chrono::steady_clock::now() - t0 < std::chrono::seconds(120))
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  pid_t rank1 = 0;
  for (const auto& e : fs::directory_iterator("/proc")) {
    const std::string pid = e.path().filename();
    if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat(e.path() / "stat");
    std::string s((std::istreambuf_iterator<char>(stat)), {});
    const auto close = s.rfind(')');
    if (close == std::string::npos) continue;
    int ppid = 0;
    char state = 0;
    std::sscanf(s.c_str() + close + 1, " %c %d", &state, &ppid);
    if (ppid != launcher) continue;
    std::ifstream env(e.path() / "environ");
    std::string vars((std::istreambuf_iterator<char>(env)), {});
    if (vars.find(std::string("RANK=1") + '\0') != std::string::npos &&
        vars.find("LOCAL_RANK=1") != std::string::npos) {
      rank1 = pid_t(std::stol(pid));
      CHECK(vars.find(std::string("HWNAS_DIST_TIMEOUT=20") + '\0') != std::string::npos);
    }
  }
  REQUIRE(rank1 > 0);
  const auto killed = std::chrono::steady_clock::now();
  ::kill(rank1, SIGKILL);
  int status = 0;
  ::waitpid(launcher, &status, 0);
  const double waited =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - killed).count();
  const std::string text = read_text_file(err);
  INFO(text);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) != 0);
  CHECK(waited < 20 + 10);
  CHECK_THAT(text, Catch::Contains("lost rank 1"));
  CHECK_THAT(text, Catch::Contains("rank 0 exited with 1"));
}

TEST_CASE("distributed random search and evolution return the single-process candidates",
          "[cli][distributed][search]") {
  auto dir = test::temp_dir("dist-search");
  write_file_atomic(dir + "/evo4.yaml", test::kEvo4Space);
  const std::string common = std::string(
                                 "seed: 4\nthreads: 1\nspace: evo4.yaml\n"
                                 "data: {dataset: fashion-mnist, path: ") +
                             kFmnist +
                             ", train_limit: 512, test_limit: 128}\n"
                             "train: {epochs: 1, batch: 32}\nretrain: {epochs: 1, batch: 32}\n";
  const std::vector<std::pair<std::string, std::string>> strategies = {
      {"random",
       "strategy: {type: random, samples: 5}\n"
       "fitness: {type: train, epochs: 1, images: 256}\n"},
      {"evolution",
       "strategy: {type: evolution, selection: nsga2, population: 4, evaluations: 12,"
       " objectives: [{metric: fitness}, {metric: params}]}\n"
       "fitness: {type: proxy}\n"}};
  for (const auto& [name, strategy] : strategies) {
    DYNAMIC_SECTION(name) {
      write_file_atomic(dir + "/" + name + ".yaml", "name: " + name + "\n" + common + strategy);
      const std::string cfg = dir + "/" + name + ".yaml";
      auto one = run_hwnas({"search", "--config", cfg, "--out", dir + "/" + name + "-1", "--json"});
      INFO(one.err);
      REQUIRE(one.rc == 0);
      auto two = run_hwnas({"launch", "--nproc", "2", "--", "search", "--config", cfg, "--out",
                            dir + "/" + name + "-2", "--json"});
      INFO(two.err);
      REQUIRE(two.rc == 0);
      const auto c1 = test::read_jsonl(dir + "/" + name + "-1/candidates.jsonl");
      const auto c2 = test::read_jsonl(dir + "/" + name + "-2/candidates.jsonl");
      REQUIRE(c1.size() == c2.size());
      for (std::size_t i = 0; i < c1.size(); ++i) {
        CHECK(c1[i]["genotype"] == c2[i]["genotype"]);
        CHECK(c1[i]["fitness"].get<double>() ==
              Approx(c2[i]["fitness"].get<double>()).epsilon(1e-9));
      }
      CHECK(json::parse(one.out)["genotype"] == json::parse(two.out)["genotype"]);
    }
  }
}

namespace {
const char* const kProfileSpace = R"(name: distlat
input: [1, 16, 16]
num_classes: 4
candidates:
  a: {op: mbconv, k: 3, e: 2}
  b: {op: mbconv, k: 5, e: 3}
layers:
  - {op: conv, out: 8, k: 3, stride: 2}
  - {stage: {out: 12, depth: 2, stride: 1, choices: [a, b]}}
  - {op: gap}
  - {op: linear, out: 4}
)";

std::vector<std::string> partial_files(const std::string& dir) {
  std::vector<std::string> found;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".partial") found.push_back(e.path().filename().string());
  std::sort(found.begin(), found.end());
  return found;
}
}  // namespace

TEST_CASE("a profile spread over 2 ranks times each layer on one rank and writes one table",
          "[cli][distributed][latency]") {
  auto dir = test::temp_dir("dist-profile");
  write_file_atomic(dir + "/distlat.yaml", kProfileSpace);
  auto profile = [&](std::vector<std::string> head, const std::string& out,
                     std::vector<std::string> more) {
    for (const auto& a : {"profile", "--space"}) head.push_back(a);
    head.insert(head.end(), {dir + "/distlat.yaml", "--out", dir + "/" + out});
    head.insert(head.end(), more.begin(), more.end());
    return run_hwnas(head);
  };
  const std::vector<std::string> two_ranks = {"launch", "--nproc", "2", "--"};
  const std::vector<std::string> quick = {"--rounds",    "2", "--reps", "2",
                                          "--calibrate", "4", "--pin",  "--json"};
  auto one = profile({}, "one.json", quick);
  INFO(one.err);
  REQUIRE(one.rc == 0);
  auto two = profile(two_ranks, "two.json", quick);
  INFO(two.err);
  REQUIRE(two.rc == 0);
  // Rank 0 alone reports and writes.
  CHECK(json::parse(two.out)["entries"] == json::parse(one.out)["entries"]);
  const LatencyTable a = load_latency_table(dir + "/one.json");
  const LatencyTable b = load_latency_table(dir + "/two.json");
  std::set<std::string> keys_a, keys_b;
  for (const auto& e : a.entries) keys_a.insert(lut_key(e.layer, e.in));
  for (const auto& e : b.entries) {
    keys_b.insert(lut_key(e.layer, e.in));
    CHECK(e.value_ms > 0);
    CHECK(e.repeats >= 4);  // 2 rounds x 2 reps, on the rank that timed it
  }
  CHECK(keys_a == keys_b);
  CHECK(b.protocol["processes"] == 2);
  CHECK(b.device.cpu_model == a.device.cpu_model);
  CHECK(fs::exists(dir + "/two.calib.json"));
  CHECK(partial_files(dir).empty());
  // Each rank timed a share; both run on this machine, which is said.
  CHECK_THAT(two.err, Catch::Matches("(.|\n)*of them on this rank(.|\n)*"));
  CHECK_THAT(two.err, Catch::Contains("2 ranks profile on this machine"));

  // Machines that differ do not share a table: exit 2 on every rank.
  {
    Env env("HWNAS_FAULT", "fingerprint:1");
    auto r = profile(two_ranks, "three.json", quick);
    CHECK(r.rc == 2);
    CHECK_THAT(r.err,
               Catch::Contains("device: cpu_model") && Catch::Contains("equal fingerprints"));
    CHECK_FALSE(fs::exists(dir + "/three.json"));
  }
  CHECK(run_hwnas({"launch", "--nproc", "2", "--", "profile", "--space", dir + "/distlat.yaml",
                   "--import", dir + "/none.csv", "--out", dir + "/four.json"})
            .rc == 2);

  // Interrupted, each rank keeps its samples; it resumes on 2 ranks only.
  CHECK(test::interrupt_hwnas(
            {"launch", "--nproc", "2", "--", "profile", "--space", dir + "/distlat.yaml", "--out",
             dir + "/five.json", "--rounds", "1000000", "--reps", "2", "--calibrate", "0"},
            dir + "/five.json.rank1-of-2.partial", SIGINT) == 130);
  CHECK(partial_files(dir) ==
        std::vector<std::string>{"five.json.rank0-of-2.partial", "five.json.rank1-of-2.partial"});
  auto alone = profile({}, "five.json", {"--rounds", "2", "--calibrate", "0", "--resume"});
  CHECK(alone.rc == 2);
  CHECK_THAT(alone.err, Catch::Contains("as many processes as it ran on"));
  auto fresh = profile(two_ranks, "five.json", {"--rounds", "2", "--calibrate", "0"});
  CHECK(fresh.rc == 2);
  CHECK_THAT(fresh.err, Catch::Contains("--resume"));
  int done = 0;
  for (int rank = 0; rank < 2; ++rank) {
    const auto p = load_document(dir + "/five.json.rank" + std::to_string(rank) + "-of-2.partial");
    done = std::max(done, p.root["rounds_done"].get<int>());
  }
  auto resumed = profile(two_ranks, "five.json",
                         {"--rounds", std::to_string(done + 2), "--reps", "2", "--calibrate", "0",
                          "--resume", "--json"});
  INFO(resumed.err);
  REQUIRE(resumed.rc == 0);
  CHECK(partial_files(dir).empty());
  for (const auto& e : load_latency_table(dir + "/five.json").entries)
    CHECK(e.repeats >= (done + 2) * 2);
}

TEST_CASE("torchrun launches a training that a killed rank restarts and resumes",
          "[cli][distributed][torchrun]") {
  auto dir = test::temp_dir("dist-torchrun");
  write_file_atomic(dir + "/a.arch.json", kNoBnArch);
  const std::string cfg = train_config(dir, "t", 32, 2);
  auto whole = run_hwnas({"launch", "--nproc", "2", "--", "train", "--arch", dir + "/a.arch.json",
                          "--config", cfg, "--out", dir + "/whole", "--threads", "1"});
  INFO(whole.err);
  REQUIRE(whole.rc == 0);
  // Rank 1 dies after step 40 of 64 on the first attempt; torchrun restarts
  // both ranks, which resume from the epoch-end checkpoint at step 32.
  const std::string cmd = "cd " + dir + " && HWNAS_FAULT=exit:1:40 " + debian_python() +
                          " -m torch.distributed.run --no_python --nproc_per_node 2"
                          " --redirects 1 --tee 2"  // Debian's torchrun: see docs/distributed.md
                          " --max_restarts 1 --master_port " +
                          std::to_string(29600 + ::getpid() % 300) + " " + HWNAS_BIN +
                          " train --arch a.arch.json --config " + cfg +
                          " --out restarted --threads 1";
  std::string out;
  const int rc = shell(cmd, out);
  INFO(out);
  REQUIRE(rc == 0);
  CHECK_THAT(out, Catch::Contains("resuming"));
  CHECK(max_difference(dir + "/whole/model.weights", dir + "/restarted/model.weights") < 1e-6);
}

TEST_CASE("a run of 2 ranks that lost one resumes on 1 process at the same epoch",
          "[cli][distributed]") {
  auto dir = test::temp_dir("dist-reworld");
  write_file_atomic(dir + "/a.arch.json", kNoBnArch);
  const std::string cfg = train_config(dir, "w", 32, 2);
  {
    // Rank 1 dies after step 40 of 64; the epoch-end checkpoint is at step 32.
    Env fault("HWNAS_FAULT", "exit:1:40");
    auto r = run_hwnas({"launch", "--nproc", "2", "--", "train", "--arch", dir + "/a.arch.json",
                        "--config", cfg, "--out", dir + "/run", "--threads", "1"});
    CHECK(r.rc == 75);
    CHECK_THAT(r.err, Catch::Contains("rank 0 exited with 1"));
  }
  REQUIRE(fs::exists(dir + "/run/checkpoints/last.ckpt"));
  // One process: global batches of 32, so the second epoch starts at step 64 of 128.
  auto r = run_hwnas({"train", "--resume", dir + "/run", "--threads", "1", "--json"});
  INFO(r.err);
  REQUIRE(r.rc == 0);
  CHECK_THAT(r.err, Catch::Contains("step 32 is now step 64"));
  CHECK(json::parse(r.out)["steps"] == 128);
  int epochs = 0;
  for (const auto& e : test::read_jsonl(dir + "/run/events.jsonl"))
    epochs += e.value("event", "") == "epoch";
  CHECK(epochs == 2);
}

TEST_CASE("a bad launch environment is refused on every rank with exit 2",
          "[cli][distributed][bad]") {
  auto dir = test::temp_dir("dist-bad");
  write_file_atomic(dir + "/a.arch.json", kNoBnArch);
  const std::string cfg = train_config(dir, "b", 32);
  const std::vector<std::string> train = {"train", "--arch", dir + "/a.arch.json", "--config",
                                          cfg,     "--out",  dir + "/run"};
  struct Case {
    std::map<std::string, std::string> env;
    std::string expect;
  };
  const std::vector<Case> cases = {
      {{{"WORLD_SIZE", "2"}}, "RANK"},
      {{{"RANK", "0"}}, "WORLD_SIZE"},
      {{{"RANK", "2"}, {"WORLD_SIZE", "2"}}, "rank 2 is not below WORLD_SIZE 2"},
      {{{"RANK", "x"}, {"WORLD_SIZE", "2"}}, "expected an integer"},
      {{{"RANK", "0"}, {"WORLD_SIZE", "2"}}, "MASTER_ADDR"},
      {{{"RANK", "1"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "127.0.0.1"}, {"MASTER_PORT", "0"}},
       "MASTER_PORT"},
      // Nothing listens there: the rank gives up after the timeout, naming the place.
      {{{"RANK", "1"},
        {"WORLD_SIZE", "2"},
        {"MASTER_ADDR", "127.0.0.1"},
        {"MASTER_PORT", "1"},
        {"HWNAS_DIST_TIMEOUT", "3"}},
       "127.0.0.1:1"},
  };
  for (const auto& c : cases) {
    INFO(c.expect);
    Env env(c.env);
    auto r = run_hwnas(train);
    CHECK(r.rc == 2);
    CHECK_THAT(r.err, Catch::Contains(c.expect));
    CHECK_FALSE(fs::exists(dir + "/run"));
  }
  // A subcommand that runs on one process only.
  {
    Env env(
        {{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "127.0.0.1"}, {"MASTER_PORT", "2"}});
    auto r = run_hwnas({"stats", "--arch", dir + "/a.arch.json"});
    CHECK(r.rc == 2);
    CHECK_THAT(r.err, Catch::Contains("runs on one process"));
  }
  // Ranks with different configs: every rank stops with exit 2 naming the key.
  const std::string other = dir + "/other.yaml";
  std::string text = read_text_file(cfg);
  text.replace(text.find("batch: 32"), 9, "batch: 16");
  write_file_atomic(other, text);
  const std::string script = dir + "/mismatch.sh";
  write_file_atomic(script, std::string("set -u\nexport WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 "
                                        "MASTER_PORT=$((29000 + $$ % 500))\n") +
                                "RANK=0 " + HWNAS_BIN + " train --arch " + dir +
                                "/a.arch.json --config " + cfg + " --out " + dir +
                                "/m0 & p0=$!\nRANK=1 " + HWNAS_BIN + " train --arch " + dir +
                                "/a.arch.json --config " + other + " --out " + dir +
                                "/m1; r1=$?\nwait $p0; r0=$?\necho \"codes $r0 $r1\"\n");
  std::string out;
  shell("bash " + script, out);
  INFO(out);
  CHECK_THAT(out, Catch::Contains("codes 2 2"));
  CHECK_THAT(out, Catch::Contains("train.batch") && Catch::Contains("differs between ranks"));
  CHECK_FALSE(fs::exists(dir + "/m0"));
  // launch's own input.
  CHECK(run_hwnas({"launch", "--nproc", "2"}).rc == 2);
  CHECK(run_hwnas({"launch", "--nproc", "0", "--", "train"}).rc == 2);
  CHECK(run_hwnas({"launch", "--", "launch", "--", "train"}).rc == 2);
}
