#include "hwnas/profile/profiler.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <numeric>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>
#include <torch/torch.h>
#include <torch/version.h>

#include "hwnas/common/error.h"
#include "hwnas/common/files.h"
#include "hwnas/common/launch_env.h"
#include "hwnas/common/progress.h"
#include "hwnas/common/stop.h"
#include "hwnas/cost/registry.h"
#include "hwnas/ir/arch_json.h"
#include "hwnas/nn/network.h"
#include "hwnas/space/genotype.h"

namespace hwnas {
namespace fs = std::filesystem;

namespace {

constexpr const char* kPartialFormat = "hwnas.lut-partial/1";

std::string today_utc() {
  std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

// One inference of a module on a fixed input, without autograd.
template <class Module>
std::function<void()> inference_of(std::shared_ptr<Module> module, const Shape& in, int batch) {
  module->eval();
  auto x = torch::randn({batch, in.c, in.h, in.w});
  return [module, x] {
    torch::InferenceMode guard;
    module->forward(x);
  };
}

// Progress with an ETA, and a stop check, after every round.
std::function<bool(int, const Samples&)> round_reporter(
    const std::string& what, int rounds, const std::function<void(int, const Samples&)>& save) {
  auto t0 = std::chrono::steady_clock::now();
  // On a terminal, one progress line instead of a line per round.
  auto bar = std::make_shared<ProgressLine>("measuring " + what, rounds, 0, "round");
  const auto level = progress_enabled() ? spdlog::level::debug : spdlog::level::info;
  return [=](int round, const Samples& samples) {
    save(round, samples);
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    bar->update(std::min(round, rounds), round > rounds ? "extra rounds for unstable items" : "");
    if (round <= rounds)
      spdlog::log(level, "{}: round {}/{} ({:.0f} s, ETA {:.0f} s)", what, round, rounds, secs,
                  secs / round * (rounds - round));
    else
      spdlog::log(level, "{}: extra round {} for unstable items", what, round - rounds);
    return !stop_requested().load();
  };
}

}  // namespace

DeviceFingerprint current_device(int threads, int batch) {
  DeviceFingerprint d = local_cpu_fingerprint(threads, batch);
  d.libtorch = TORCH_VERSION;
  d.date = today_utc();
  return d;
}

std::vector<std::function<void()>> network_runs(const std::vector<Arch>& archs, int batch) {
  std::vector<std::function<void()>> runs;
  for (const auto& a : archs)
    runs.push_back(inference_of(std::make_shared<ArchNetImpl>(a), a.input, batch));
  return runs;
}

std::function<void()> layer_run(const Layer& layer, const Shape& in, int batch) {
  if (!layer.multi_input()) return inference_of(make_layer_module(layer, in), in, batch);
  // A join is timed with its inputs: an add's n maps of `in`, a concat's
  // parts of `in` as even as the channels allow.
  auto module = make_layer_module(layer, in);
  module->eval();
  const int n = int(layer.inputs.size());
  std::vector<torch::Tensor> xs;
  for (int k = 0; k < n; ++k) {
    const int c = layer.op == Op::Add ? in.c : in.c / n + (k < in.c % n ? 1 : 0);
    xs.push_back(torch::randn({batch, c, in.h, in.w}));
  }
  const Op op = layer.op;
  return [module, xs, op] {
    torch::InferenceMode guard;
    module->forward(join_inputs(op, xs));
  };
}

std::vector<Measurement> measure_networks(const std::vector<std::function<void()>>& runs,
                                          const ProtocolOptions& opt) {
  Samples samples;
  return measure_interleaved(runs, opt, samples, 0,
                             round_reporter("networks", opt.rounds, [](int, const Samples&) {}));
}

ProfileJob make_profile_job(const Space* space, const std::vector<Arch>& archs,
                            std::optional<LatencyTable> base, const ProfileOptions& opt) {
  HWNAS_ASSERT(space || !archs.empty(), "a profile needs a space or archs");
  ProfileJob job;
  std::vector<std::string> names;
  if (space) names.push_back(space->name);
  for (const auto& a : archs) names.push_back(a.name);
  job.name = space ? space->name : "archs " + fmt::format("{}", fmt::join(names, ", "));
  if (base) {
    // Entries timed elsewhere, or with another statistic, would mix two
    // machines' figures in one table.
    const std::string diff = base->device.differences(current_device(opt.threads, opt.batch));
    if (base->device.kind != "cpu" || !diff.empty())
      throw InputError(base->file, "was measured on another device or setting (" +
                                       (diff.empty() ? "kind " + base->device.kind : diff) +
                                       "); extend a table on the machine, --threads and "
                                       "--batch it was measured with");
    if (base->statistic != opt.protocol.statistic)
      throw InputError(base->file, "holds the " + base->statistic + " statistic, not " +
                                       opt.protocol.statistic + " (--statistic " + base->statistic +
                                       ")");
    job.name = base->space;
  }
  std::set<std::string> seen;
  auto take = [&](const std::vector<std::pair<Layer, Shape>>& layers) {
    for (const auto& [l, in] : layers)
      if ((!base || !base->find(l, in)) && seen.insert(lut_key(l, in)).second)
        job.layers.emplace_back(l, in);
  };
  if (space) take(distinct_layers(*space));
  for (const auto& a : archs) take(distinct_layers(a));
  if (space) {
    Rng rng(opt.protocol.seed + 1);
    for (int i = 0; i < opt.calibrate; ++i)
      job.calibration.push_back(decode(*space, sample(*space, rng)));
  }
  if (opt.calibrate > 0) job.calibration.insert(job.calibration.end(), archs.begin(), archs.end());
  if (job.calibration.size() < 3) job.calibration.clear();  // too few to fit three terms
  job.base = std::move(base);
  return job;
}

std::string partial_profile_path(const std::string& out, int rank, int world) {
  if (world <= 1) return out + ".partial";
  return fmt::format("{}.rank{}-of-{}.partial", out, rank, world);
}

std::vector<std::size_t> balanced_shard(const std::vector<double>& work, int rank, int world) {
  std::vector<std::size_t> order(work.size());
  std::iota(order.begin(), order.end(), std::size_t(0));
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return work[a] > work[b]; });
  std::vector<double> load(std::size_t(std::max(world, 1)), 0.0);
  std::vector<std::size_t> mine;
  for (std::size_t i : order) {
    const auto r = std::size_t(std::min_element(load.begin(), load.end()) - load.begin());
    load[r] += work[i];
    if (int(r) == rank) mine.push_back(i);
  }
  std::sort(mine.begin(), mine.end());
  return mine;
}

namespace {

// The partial profiles of `out` in its folder, whatever number of processes
// kept them.
std::vector<std::string> partials_of(const std::string& out) {
  const fs::path p(out);
  const fs::path dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
  const std::string stem = p.filename().string() + ".", tail = ".partial";
  std::vector<std::string> found;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string n = it->path().filename().string();
    if (n.size() >= stem.size() + tail.size() - 1 && n.rfind(stem, 0) == 0 &&
        n.compare(n.size() - tail.size(), tail.size(), tail) == 0)
      found.push_back(it->path().string());
  }
  std::sort(found.begin(), found.end());
  return found;
}

// Several ranks time shards of one table: only machines alike may share it.
// Ranks on one machine are allowed (the tests, a many-core server), with a
// warning: they share caches and memory bandwidth.
void check_ranks_alike(Communicator& comm, const ProfileOptions& opt) {
  if (comm.size() == 1) return;
  json fp = current_device(opt.threads, opt.batch).to_json();
  fp.erase("date");
  if (process_launch().fault_fingerprint())
    fp["cpu_model"] = fp.value("cpu_model", "") + " (HWNAS_FAULT)";
  comm.agree(fp, "device",
             "a profile spread over processes needs machines with equal fingerprints (CPU "
             "model, cores, governor, libtorch); profile each kind of machine on its own");
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  const auto hosts = comm.all_gather(host);
  const auto sharing = std::count(hosts.begin(), hosts.end(), std::string(host));
  if (comm.rank() == 0 && sharing > 1)
    spdlog::warn(
        "{} ranks profile on this machine at once: they share its caches and memory bandwidth, "
        "so their timings are those of a loaded machine",
        sharing);
}

// Every rank's measurements of its items, placed by index.
std::vector<Measurement> gather_measurements(Communicator& comm,
                                             const std::vector<std::size_t>& mine,
                                             const std::vector<Measurement>& ms, std::size_t n) {
  if (comm.size() == 1) return ms;
  json part = json::array();
  for (std::size_t k = 0; k < mine.size(); ++k)
    part.push_back(
        {mine[k], ms[k].value_ms, ms[k].p50_ms, ms[k].spread, ms[k].repeats, ms[k].unstable});
  std::vector<Measurement> all(n);
  for (const auto& text : comm.all_gather(part.dump()))
    for (const auto& e : json::parse(text)) {
      Measurement& m = all.at(e[0].get<std::size_t>());
      m.value_ms = e[1].get<double>();
      m.p50_ms = e[2].get<double>();
      m.spread = e[3].get<double>();
      m.repeats = e[4].get<std::int64_t>();
      m.unstable = e[5].get<bool>();
    }
  return all;
}

}  // namespace

ProfileResult run_profile_job(const ProfileJob& job, const ProfileOptions& opt,
                              Communicator& comm) {
  ProfileResult res;
  const auto t0 = std::chrono::steady_clock::now();
  const int rank = comm.rank(), world = comm.size();
  check_ranks_alike(comm, opt);
  const std::string partial = partial_profile_path(opt.out, rank, world);
  const auto& layers = job.layers;
  std::vector<double> work;
  for (const auto& [l, in] : layers) {
    const LayerStats s = layer_stats(l, in, opt.batch);
    work.push_back(double(s.macs + s.other_ops) + 1);
  }
  const std::vector<std::size_t> mine = balanced_shard(work, rank, world);
  std::vector<std::string> keys;
  for (std::size_t i : mine) keys.push_back(lut_key(layers[i].first, layers[i].second));

  Samples samples;
  int rounds_done = 0;
  const std::vector<std::string> kept = partials_of(opt.out);
  if (!kept.empty() && !opt.resume)
    throw InputError(kept.front(), "an interrupted profile of " + opt.out +
                                       " is here; continue it with --resume (on as many "
                                       "processes as it ran on), or delete it to start over");
  if (opt.resume && !fs::exists(partial) && !mine.empty()) {
    if (kept.empty()) throw InputError(partial, "no interrupted profile to resume (--resume)");
    throw InputError(partial, fmt::format("is not here, but {} is: a profile resumes on as many "
                                          "processes as it ran on (this is rank {} of {})",
                                          kept.front(), rank, world));
  }
  if (opt.resume && fs::exists(partial)) {
    Document doc = load_document(partial);
    Fields f = Value(doc, doc.root, "", "").as_object();
    if (f.get_string("format") != kPartialFormat) f.get("format").fail("not a partial profile");
    if (f.get_string("space") != job.name || f.get("keys").raw() != json(keys))
      f.fail("was made for another profile than this one of " + job.name +
             (world > 1 ? fmt::format(" (rank {} of {})", rank, world) : std::string()));
    rounds_done = int(f.get_int("rounds_done", 0, 1 << 20));
    samples = f.get("samples").raw().get<Samples>();
    f.get_int("batch", 1, 1 << 20);
    f.finish();
    spdlog::info("resuming {} after round {}", opt.out, rounds_done);
  }
  // Every rank has checked the partial files before any rank writes one.
  comm.any(false);

  std::vector<std::function<void()>> items;
  for (std::size_t i : mine)
    items.push_back(layer_run(layers[i].first, layers[i].second, opt.batch));
  spdlog::info("profiling {} distinct layers of {}{} (batch {}, {} threads, {} rounds x {} reps)",
               layers.size(), job.name,
               world > 1 ? fmt::format(", {} of them on this rank", items.size()) : "", opt.batch,
               opt.threads, opt.protocol.rounds, opt.protocol.reps);
  auto save = [&](int round, const Samples& s) {
    write_file_atomic(partial, json{{"format", kPartialFormat},
                                    {"space", job.name},
                                    {"batch", opt.batch},
                                    {"keys", keys},
                                    {"rounds_done", round},
                                    {"samples", s}}
                                   .dump());
  };
  std::vector<Measurement> ms;
  if (!items.empty())
    ms = measure_interleaved(items, opt.protocol, samples, rounds_done,
                             round_reporter("layers", opt.protocol.rounds, save));
  if (comm.any(!items.empty() && ms.empty())) {
    res.interrupted = true;
    return res;
  }
  ms = gather_measurements(comm, mine, ms, layers.size());

  LatencyTable table;
  if (job.base) {
    table = *job.base;
  } else {
    table.space = job.name;
    table.statistic = opt.protocol.statistic;
    table.device = current_device(opt.threads, opt.batch);
    table.protocol = {{"rounds", opt.protocol.rounds},
                      {"reps", opt.protocol.reps},
                      {"warmup", opt.protocol.warmup},
                      {"unstable_ratio", opt.protocol.unstable},
                      {"extra_rounds", opt.protocol.extra_rounds},
                      {"order", "shuffled per round"},
                      {"mode", "inference, no autograd"},
                      {"pinned", opt.pinned}};
    if (world > 1) table.protocol["processes"] = world;
  }
  for (std::size_t i = 0; i < layers.size(); ++i) {
    table.add({layers[i].first, layers[i].second, ms[i].value_ms, ms[i].spread, ms[i].repeats});
    res.unstable += ms[i].unstable;
  }
  if (job.base) {  // what each extension added, and how it was timed
    json& ext = table.protocol["extended"];
    if (!ext.is_array()) ext = json::array();
    ext.push_back({{"date", today_utc()},
                   {"from", job.base->file},
                   {"entries_added", layers.size()},
                   {"rounds", opt.protocol.rounds},
                   {"reps", opt.protocol.reps},
                   {"pinned", opt.pinned}});
    if (world > 1) ext.back()["processes"] = world;
  }
  table.file = opt.out;
  res.entries = std::int64_t(table.entries.size());
  res.added = std::int64_t(layers.size());

  if (!job.calibration.empty()) {
    const auto& archs = job.calibration;
    std::vector<double> net_work;
    for (const auto& a : archs) net_work.push_back(double(count_totals(a).macs) + 1);
    const std::vector<std::size_t> my_nets = balanced_shard(net_work, rank, world);
    std::vector<Arch> timed;
    for (std::size_t i : my_nets) timed.push_back(archs[i]);
    std::vector<Measurement> nets;
    if (!timed.empty()) nets = measure_networks(network_runs(timed, opt.batch), opt.protocol);
    if (comm.any(!timed.empty() && nets.empty())) {
      res.interrupted = true;  // the layer samples stay in the partial files
      return res;
    }
    nets = gather_measurements(comm, my_nets, nets, archs.size());
    LutModel lut(std::make_shared<const LatencyTable>(table));
    std::vector<double> sums, counts, measured;
    for (std::size_t i = 0; i < archs.size(); ++i) {
      sums.push_back(lut.network(archs[i]).latency_ms());
      counts.push_back(tabled_layers(archs[i]));
      measured.push_back(nets[i].value_ms);
    }
    LutCalibration calib = fit_calibration(sums, counts, measured);
    for (std::size_t i = 0; i < archs.size(); ++i)
      calib.points[i]["macs"] = count_totals(archs[i]).macs;
    res.calibration_path = default_calibration_path(opt.out);
    if (rank == 0)
      write_file_atomic(res.calibration_path,
                        calib.to_json(fs::path(opt.out).filename().string()).dump(1) + "\n");
    spdlog::info(
        "calibration on {} networks: scale {:.3f}, per layer {:.4f} ms, per network {:.4f} ms "
        "(fit RMSE {:.4f} ms)",
        archs.size(), calib.scale, calib.per_layer_ms, calib.per_network_ms, calib.fit_rmse_ms);
  }
  if (rank == 0) save_latency_table(table, opt.out);
  comm.any(false);  // the table is whole before any rank drops its samples
  fs::remove(partial);
  res.table_path = opt.out;
  res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return res;
}

}  // namespace hwnas
