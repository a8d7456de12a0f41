#include "hwnas/train/process_group.h"

#define USE_C10D_GLOO 1
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <thread>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "hwnas/common/error.h"
#include "hwnas/common/text.h"

namespace hwnas {

namespace {

using Ms = std::chrono::milliseconds;

std::vector<uint8_t> bytes(const std::string& s) {
  return {s.begin(), s.end()};
}

std::string text(const std::vector<uint8_t>& b) {
  return {b.begin(), b.end()};
}

class C10dCommunicator : public Communicator {
 public:
  explicit C10dCommunicator(const LaunchEnv& env) : env_(env) {
    where_ = fmt::format("{}:{}", env.master_addr, env.master_port);
    try {
      store_ = connect(env.rank == 0 && !env.agent_store);
    } catch (const std::exception& e) {
      throw InputError("environment: MASTER_ADDR/MASTER_PORT",
                       fmt::format("rank {} could not reach the rendezvous store at {} within {} s "
                                   "({}): is rank 0 running, and is the address reachable?",
                                   env.rank, where_, env.timeout.count(), one_line(e.what())));
    }
    auto opts = c10d::ProcessGroupGloo::Options::create(Ms(env.timeout));
    const char* ifname = std::getenv("GLOO_SOCKET_IFNAME");
    opts->devices.push_back(ifname ? c10d::ProcessGroupGloo::createDeviceForInterface(ifname)
                                   : c10d::ProcessGroupGloo::createDefaultDevice());
    opts->threads = 2;
    try {
      pg_ = c10::make_intrusive<c10d::ProcessGroupGloo>(store_, env.rank, env.world, opts);
    } catch (const std::exception& e) {
      throw InputError(
          "environment",
          fmt::format("rank {} of {} could not form the process group through {} "
                      "within {} s: {}",
                      env.rank, env.world, where_, env.timeout.count(), one_line(e.what())));
    }
    watch_store_ = connect(false);
    watchdog_ = std::thread([this] { watch(); });
    spdlog::info("rank {} of {} joined the process group at {}", env.rank, env.world, where_);
  }

  ~C10dCommunicator() override { stop_watching(); }

  int rank() const override { return env_.rank; }
  int size() const override { return env_.world; }

  void average_gradients(const std::vector<torch::Tensor>& params) override {
    // Buckets of at most 4M values: one all-reduce each instead of one per tensor.
    constexpr std::int64_t kBucket = 1 << 22;
    check_same_gradients(params);
    std::vector<torch::Tensor> grads;
    std::int64_t filled = 0;
    auto flush = [&] {
      if (grads.empty()) return;
      std::vector<torch::Tensor> flat_parts;
      for (const auto& g : grads) flat_parts.push_back(g.reshape({-1}));
      std::vector<torch::Tensor> flat{torch::cat(flat_parts)};
      run("all-reduce of gradients", [&] { return pg_->allreduce(flat); });
      flat[0].div_(double(size()));
      std::int64_t at = 0;
      for (auto& g : grads) {
        g.copy_(flat[0].narrow(0, at, g.numel()).view(g.sizes()));
        at += g.numel();
      }
      grads.clear();
      filled = 0;
    };
    for (const auto& p : params) {
      if (!p.grad().defined()) continue;
      grads.push_back(p.grad());
      filled += p.numel();
      if (filled >= kBucket) flush();
    }
    flush();
  }

  // Ranks that sampled different paths have gradients for different
  // parameters; their buckets would not line up. One small all-reduce (max
  // of the mask's hash and of its negation) tells, before the buckets do.
  void check_same_gradients(const std::vector<torch::Tensor>& params) {
    std::uint64_t h = 1469598103934665603ULL;
    for (std::size_t i = 0; i < params.size(); ++i)
      h = (h ^ (params[i].grad().defined() ? i + 1 : 0)) * 1099511628211ULL;
    const double v = double(h >> 12);  // exact in a double
    std::vector<torch::Tensor> t{torch::tensor({v, -v}, torch::kFloat64)};
    c10d::AllreduceOptions o;
    o.reduceOp = c10d::ReduceOp::MAX;
    run("all-reduce", [&] { return pg_->allreduce(t, o); });
    if (t[0][0].item<double>() != -t[0][1].item<double>())
      throw std::runtime_error(
          "ranks diverged: they computed gradients of different parameters (they sampled "
          "different paths); every rank must sample the same path at each step");
  }

  void sum(std::vector<double>& values) override {
    if (values.empty()) return;
    std::vector<torch::Tensor> t{torch::tensor(values, torch::kFloat64)};
    run("all-reduce", [&] { return pg_->allreduce(t); });
    auto acc = t[0].accessor<double, 1>();
    for (std::size_t i = 0; i < values.size(); ++i) values[i] = acc[std::int64_t(i)];
  }

  void sum(torch::Tensor& t) override {
    std::vector<torch::Tensor> v{t};
    run("all-reduce", [&] { return pg_->allreduce(v); });
  }

  std::vector<std::string> all_gather(const std::string& value) override {
    std::vector<torch::Tensor> len{torch::tensor({std::int64_t(value.size())}, torch::kInt64)};
    std::vector<std::vector<torch::Tensor>> lens(1);
    for (int r = 0; r < size(); ++r) lens[0].push_back(torch::empty({1}, torch::kInt64));
    run("all-gather", [&] { return pg_->allgather(lens, len); });
    std::int64_t longest = 0;
    for (const auto& l : lens[0]) longest = std::max(longest, l.item<std::int64_t>());
    std::vector<torch::Tensor> mine{
        torch::zeros({std::max<std::int64_t>(longest, 1)}, torch::kUInt8)};
    std::memcpy(mine[0].data_ptr(), value.data(), value.size());
    std::vector<std::vector<torch::Tensor>> all(1);
    for (int r = 0; r < size(); ++r) all[0].push_back(torch::empty_like(mine[0]));
    run("all-gather", [&] { return pg_->allgather(all, mine); });
    std::vector<std::string> out;
    for (int r = 0; r < size(); ++r)
      out.emplace_back(static_cast<const char*>(all[0][std::size_t(r)].data_ptr()),
                       std::size_t(lens[0][std::size_t(r)].item<std::int64_t>()));
    return out;
  }

  void leave(int code, const std::string& message) {
    if (code == 0) {
      store_->set(fmt::format("done/{}", rank()), bytes("1"));
      stop_watching();
      // Everyone done, then everyone gone: rank 0 hosts the store.
      store_->add("exit", 1);
      wait_count("exit", size());
      if (rank() != 0)
        store_->add("left", 1);
      else
        wait_count("left", size() - 1);
      return;
    }
    try {
      const json record = {{"rank", rank()}, {"code", code}, {"message", message}};
      if (!store_->check({"failed"})) store_->set("failed", bytes(record.dump()));
      stop_watching();
      if (rank() == 0 && !env_.agent_store) wait_count("failed_seen", size() - 1, Ms(5000));
    } catch (const std::exception&) {
      // The store is gone with rank 0: the others learn of it from that.
    }
  }

 private:
  c10::intrusive_ptr<c10d::Store> connect(bool server) {
    c10d::TCPStoreOptions o;
    o.port = std::uint16_t(env_.master_port);
    o.isServer = server;
    o.numWorkers = server ? c10::optional<std::size_t>(env_.world) : c10::nullopt;
    o.waitWorkers = false;
    o.timeout = Ms(env_.timeout);
    auto tcp = c10::make_intrusive<c10d::TCPStore>(env_.master_addr, o);
    // Keys of a restarted job never meet those of the attempt before it.
    return c10::make_intrusive<c10d::PrefixStore>(fmt::format("hwnas/{}", env_.restart_count), tcp);
  }

  void wait_count(const std::string& key, int target, Ms limit = Ms(0)) {
    const auto deadline =
        std::chrono::steady_clock::now() + (limit.count() ? limit : Ms(env_.timeout));
    while (store_->add(key, 0) < target) {
      if (std::chrono::steady_clock::now() > deadline) return;
      std::this_thread::sleep_for(Ms(20));
    }
  }

  // One collective with its timeout; a failure names the ranks lost.
  template <class F>
  void run(const char* what, F f) {
    try {
      auto work = f();
      work->wait(Ms(env_.timeout));
    } catch (const std::exception& e) {
      throw std::runtime_error(
          fmt::format("rank {}: {} failed: {}; {}", rank(), what, one_line(e.what()), diagnose()));
    }
  }

  // Which ranks stopped: their heartbeat stands still over a few seconds.
  std::string diagnose() {
    try {
      std::vector<std::int64_t> before(static_cast<std::size_t>(size()));
      for (int r = 0; r < size(); ++r) before[std::size_t(r)] = store_->add(alive_key(r), 0);
      std::this_thread::sleep_for(Ms(3000));
      std::string lost;
      for (int r = 0; r < size(); ++r)
        if (store_->add(alive_key(r), 0) == before[std::size_t(r)] && r != rank())
          lost += (lost.empty() ? "" : ", ") + std::to_string(r);
      return lost.empty() ? "no rank stopped its heartbeat (a collective timed out)"
                          : "lost rank " + lost + " (its heartbeat stopped)";
    } catch (const std::exception&) {
      return fmt::format("lost rank 0 (it hosted the rendezvous store at {})", where_);
    }
  }

  static std::string alive_key(int r) { return fmt::format("alive/{}", r); }

  // The watchdog: a heartbeat every second; stops this process when another
  // rank died (no heartbeat for the limit) or reported a failure.
  void watch() {
    const Ms limit = std::min<Ms>(Ms(env_.timeout), Ms(15000));
    std::vector<std::int64_t> last(std::size_t(size()), -1);
    std::vector<std::chrono::steady_clock::time_point> since(std::size_t(size()),
                                                             std::chrono::steady_clock::now());
    while (!stopping_.load()) {
      try {
        watch_store_->add(alive_key(rank()), 1);
        if (watch_store_->check({"failed"})) {
          const json f = json::parse(text(watch_store_->get("failed")));
          if (f.at("rank").get<int>() != rank()) {
            watch_store_->add("failed_seen", 1);
            abort_run(f.at("code").get<int>(),
                      fmt::format("rank {} stopped: {}", f.at("rank").get<int>(),
                                  f.at("message").get<std::string>()));
          }
        }
        const auto now = std::chrono::steady_clock::now();
        for (int r = 0; r < size(); ++r) {
          if (r == rank()) continue;
          const std::int64_t beat = watch_store_->add(alive_key(r), 0);
          if (beat != last[std::size_t(r)]) {
            last[std::size_t(r)] = beat;
            since[std::size_t(r)] = now;
          } else if (now - since[std::size_t(r)] > limit &&
                     !watch_store_->check({fmt::format("done/{}", r)})) {
            abort_run(1, fmt::format("lost rank {}: no heartbeat for {} s (the process died or "
                                     "its machine is unreachable)",
                                     r, limit.count() / 1000));
          }
        }
      } catch (const std::exception&) {
        if (stopping_.load()) return;
        abort_run(1,
                  fmt::format("lost rank 0: the rendezvous store it hosted at {} is gone", where_));
      }
      for (int i = 0; i < 10 && !stopping_.load(); ++i) std::this_thread::sleep_for(Ms(100));
    }
  }

  [[noreturn]] void abort_run(int code, const std::string& message) {
    spdlog::default_logger()->flush();
    std::cerr << "hwnas: error: " << one_line(message) << std::endl;
    std::fflush(nullptr);
    std::_Exit(code);
  }

  void stop_watching() {
    stopping_.store(true);
    if (watchdog_.joinable()) watchdog_.join();
  }

  LaunchEnv env_;
  std::string where_;
  c10::intrusive_ptr<c10d::Store> store_, watch_store_;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> pg_;
  std::thread watchdog_;
  std::atomic<bool> stopping_{false};
};

std::unique_ptr<C10dCommunicator>& group() {
  static std::unique_ptr<C10dCommunicator> g;
  return g;
}

}  // namespace

void join_process_group(const LaunchEnv& env) {
  set_process_launch(env);
  if (!env.multi_process()) return;
  group() = std::make_unique<C10dCommunicator>(env);
}

Communicator& process_communicator() {
  return group() ? static_cast<Communicator&>(*group()) : local_communicator();
}

void leave_process_group(int code, const std::string& message) {
  if (!group()) return;
  group()->leave(code, message);
  group().reset();
}

}  // namespace hwnas
