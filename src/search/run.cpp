#include "hwnas/search/run.h"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <map>
#include <sstream>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "hwnas/accel/accel_model.h"
#include "hwnas/common/error.h"
#include "hwnas/common/files.h"
#include "hwnas/common/launch_env.h"
#include "hwnas/common/stop.h"
#include "hwnas/common/text.h"
#include "hwnas/ir/arch_json.h"
#include "hwnas/nn/weights.h"
#include "hwnas/profile/measured_model.h"
#include "hwnas/search/fitness.h"
#include "hwnas/search/strategy.h"
#include "hwnas/search/supernet_search.h"
#include "hwnas/space/genotype.h"
#include "hwnas/train/process_group.h"
#include "hwnas/train/train_run.h"

namespace hwnas {
namespace fs = std::filesystem;

const StrategyRegistry& builtin_strategies() {
  static const StrategyRegistry r = [] {
    StrategyRegistry r;
    register_supernet_strategies(r);
    register_random_strategy(r);
    register_evolution_strategy(r);
    register_growth_strategy(r);
    register_coexplore_strategy(r);
    return r;
  }();
  return r;
}

namespace {

// Strategy stage: the strategy from scratch or from its saved state, then the
// pick into best.arch.json. False when interrupted.
bool search_stage(const RunSetup& s, const Datasets& data, const RunDir& run, bool resume,
                  const torch::Device& device, json& summary) {
  auto strategy = builtin_strategies().make(s.strategy->type, s);
  const std::string state_file = run.file("checkpoints/strategy.json");
  if (resume && fs::exists(state_file))
    strategy->load_state(parse_json(read_text_file(state_file), state_file).root);
  Communicator& comm = process_communicator();
  // A strategy that spreads its evaluations over the ranks gives each rank
  // a provider of its own; others train each candidate on every rank.
  Communicator& fitness_comm = strategy->spreads_evaluations() ? local_communicator() : comm;
  std::unique_ptr<FitnessProvider> fitness;
  if (s.fitness) fitness = builtin_fitness().make(s.fitness->type, {s, data, device, fitness_comm});
  SearchContext ctx{s, data, run, device, comm, fitness.get(), [&] {
                      write_file_atomic(state_file, strategy->save_state().dump(2) + "\n");
                    }};
  StrategyOutcome r = strategy->run(ctx);
  if (r.interrupted) return false;
  const Pricing pricing = s.pricing();
  Genotype g;
  Arch arch;
  if (r.network) {
    arch = *r.network;
    fs::copy_file(r.network_weights, run.file("grown.weights.tmp"),
                  fs::copy_options::overwrite_existing);
    fs::rename(run.file("grown.weights.tmp"), run.file("grown.weights"));
  } else {
    g = r.ranked.empty() ? derive_genotype(pricing, r.scores) : first_feasible(pricing, r.ranked);
    arch = decode(s.space, g);
  }
  arch.name = s.config.name + "-searched";
  arch.preprocess = Preprocess{data.norm.mean, data.norm.std};
  // The child with the search's weights, for users who skip the retrain.
  torch::manual_seed(s.config.seed);
  if (!r.network) {
    ArchNet child(arch);
    if (strategy->inherit_weights(g, child))
      save_weights(*child, run.file("supernet_child.weights"));
  }
  summary = r.summary;
  run.event({{"event", "derived"},
             {"genotype", g},
             {"search_seconds", r.seconds},
             {"search", r.summary},
             {"costs", pricing.costs(arch)}});
  save_arch(arch, run.file("best.arch.json"));  // last: its presence means the stage is done
  return true;
}

// The strategy's summary as the `derived` event recorded it.
json derived_summary(const RunDir& run) {
  json summary = json::object();
  std::istringstream events(read_text_file(run.file("events.jsonl")));
  for (std::string line; std::getline(events, line);)
    if (line.find("\"derived\"") != std::string::npos) {
      const json e = json::parse(line);
      if (e.value("event", "") == "derived") summary = e.value("search", json::object());
    }
  return summary;
}

struct FinalChild {
  std::string weights;
  EvalResult test;
  bool retrained = false;
};

// Final training: `retrain:` in <run>/retrain (resumable), from scratch or,
// with `from: supernet`, from the supernet's weights of the child (`from:
// grown`: the grown net's own weights); else
// the search's weights with BatchNorm re-estimated for the child alone; else
// `train:` from scratch in <run>/retrain.
std::optional<FinalChild> final_stage(const RunSetup& s, const Arch& arch, const RunDir& run,
                                      const torch::Device& device, int threads) {
  const RunConfig& c = s.config;
  FinalChild out;
  out.weights = run.file("best.weights");
  const std::string inherited = run.file("supernet_child.weights");
  const std::string grown = run.file("grown.weights");  // trained already: used as it is
  if (!c.retrain && (fs::exists(inherited) || fs::exists(grown))) {
    Datasets data =
        load_datasets(c.data.for_retrain(), arch.input, arch.num_classes, c.seed, false);
    data.norm = {arch.preprocess->mean, arch.preprocess->std};
    torch::manual_seed(c.seed);
    ArchNet child(arch);
    child->to(device);
    if (fs::exists(grown)) {
      load_weights(*child, grown);
    } else {
      load_weights(*child, inherited);
      recalibrate_batchnorm(child, data.train, data.norm);
    }
    save_weights(*child, out.weights);
    out.test = evaluate(child, data.test, data.norm);
    return out;
  }
  const std::string dir = run.file("retrain");
  const bool resume = fs::exists(fs::path(dir) / "checkpoints" / "last.ckpt");
  if (!resume && fs::exists(dir)) fs::remove_all(dir);  // started, nothing to keep yet
  TrainRunOptions to{dir, resume, device, threads, {}};
  if (c.retrain_from == "supernet") to.init_weights = inherited;
  if (c.retrain_from == "grown") to.init_weights = grown;
  TrainRunResult r = train_run(arch, c, to);
  if (r.interrupted) return std::nullopt;
  fs::copy_file(r.weights, out.weights + ".tmp", fs::copy_options::overwrite_existing);
  fs::rename(out.weights + ".tmp", out.weights);
  out.test = r.test;
  out.retrained = true;
  return out;
}

void write_summary(const RunSetup& s, const SearchResult& r, const RunDir& run) {
  std::string md =
      fmt::format("# {}\n\nSearch: {} over space {}, seed {}; options {}.\n\n", s.config.name,
                  s.strategy->type, s.space.name, s.config.seed, s.strategy->to_json().dump());
  if (s.fitness) md += fmt::format("Fitness: {}.\n\n", s.fitness->to_json().dump());
  for (const auto& [k, v] : r.search.items()) md += fmt::format("- {}: {}\n", k, v.dump());
  md += r.genotype.empty()
            ? std::string(
                  "\nPicked architecture: `best.arch.json` (grown; its lineage is in "
                  "candidates.jsonl).\n\n")
            : fmt::format("\nPicked architecture: `best.arch.json` (genotype {}).\n\n",
                          format_genotype(r.genotype));
  md += "| model | metric | predicted |\n|---|---|---|\n";
  for (const auto& [model, m] : r.costs.items())
    for (const auto& [metric, v] : m.items())
      md += fmt::format("| {} | {} | {} |\n", model, metric, format_number(v.get<double>()));
  md += "\n| constraint | value | met |\n|---|---|---|\n";
  for (const auto& c : s.config.constraints) {
    const double v =
        r.costs.at(c.model.empty() ? "ir" : c.model).at(metric_name(c.metric)).get<double>();
    md += fmt::format("| {} | {} | {} |\n", c.describe(), format_number(v),
                      c.satisfied_by(v) ? "yes" : "NO");
  }
  md += fmt::format("\nTest top-1 {:.2f}% ({}), weights `best.weights`.\n", 100 * r.test_top1,
                    !r.retrained                          ? "search weights, not retrained"
                    : s.config.retrain_from == "supernet" ? "fine-tuned from the supernet's weights"
                    : s.config.retrain_from == "grown"    ? "fine-tuned from its grown weights"
                                                          : "trained from scratch");
  write_file_atomic(run.file("summary.md"), md);
}

}  // namespace

json SearchResult::to_json() const {
  if (interrupted) return {{"run_dir", run_dir}, {"interrupted", true}, {"stage", stage}};
  return {{"run_dir", run_dir},   {"arch", arch_path},          {"weights", weights},
          {"genotype", genotype}, {"test_accuracy", test_top1}, {"retrained", retrained},
          {"macs", macs},         {"params", params},           {"costs", costs},
          {"search", search},     {"seconds", seconds}};
}

RunSetup prepare_config_file(const std::string& path, int threads, std::int64_t seed) {
  RunConfig config = load_run_config(path);
  if (threads > 0) config.threads = threads;
  if (seed >= 0) config.seed = std::uint64_t(seed);
  CostModelRegistry registry;
  register_builtin_cost_models(registry);
  register_torch_cost_models(registry);
  accel::register_accel_cost_models(registry);
  return prepare_run(std::move(config), SetupRegistries{registry});
}

SearchResult run_search(const SearchRequest& request) {
  SearchRequest o = request;
  RunSetup setup = prepare_config_file(
      o.resume.empty() ? o.config : (fs::path(o.resume) / "config.yaml").string(), o.threads,
      o.seed);
  SearchResult res;
  res.run_dir = !o.resume.empty() ? o.resume
                : o.out.empty()   ? (fs::path(setup.config.out) / setup.config.name).string()
                                  : o.out;
  // A job that torchrun restarted continues the run its first attempt began.
  if (o.resume.empty() && !o.dry_run && process_launch().restart_count > 0 &&
      fs::is_directory(fs::path(res.run_dir) / "checkpoints")) {
    spdlog::warn("restart {} of the job: resuming {}", process_launch().restart_count, res.run_dir);
    o.resume = res.run_dir;
    setup = prepare_config_file((fs::path(o.resume) / "config.yaml").string(), o.threads, o.seed);
  }
  const bool resume = !o.resume.empty();
  const RunConfig& cfg = setup.config;
  for (const auto& w : setup.warnings) spdlog::warn("{}", w);
  process_communicator().agree(setup.resolved_config(), setup.config.file);
  if (o.dry_run) {
    res.dry_run = dry_run_report(setup, res.run_dir);
    return res;
  }
  res.threads = set_threads(cfg.threads);
  const torch::Device device = parse_device(o.device);
  Datasets data = load_datasets(cfg.data, setup.space.skeleton.input,
                                setup.space.skeleton.num_classes, cfg.seed, true);
  check_search_splits(setup, data);
  // Every input is checked; only now does the run directory appear.
  RunDir run = resume ? RunDir::reopen(res.run_dir) : RunDir::create(res.run_dir);
  if (!resume) write_file_atomic(run.file("config.yaml"), to_yaml(setup.resolved_config()));
  install_stop_handlers();
  auto interrupted = [&](const std::string& stage) {
    spdlog::warn("{} interrupted; continue with: hwnas search --resume {}", stage, res.run_dir);
    res.interrupted = true;
    res.stage = stage;
    return res;
  };
  const auto t0 = std::chrono::steady_clock::now();
  if (!fs::exists(run.file("best.arch.json"))) {
    if (!search_stage(setup, data, run, resume, device, res.search)) return interrupted("search");
  } else {
    res.search = derived_summary(run);  // the stage ended in an earlier process
  }
  res.arch_path = run.file("best.arch.json");
  const Arch arch = load_arch(res.arch_path);
  const Pricing pricing = setup.pricing();
  res.costs = pricing.costs(arch);
  write_file_atomic(run.file("best.costs.json"), pricing.layer_costs(arch).dump(1) + "\n");
  auto final_child = final_stage(setup, arch, run, device, res.threads);
  if (!final_child) return interrupted("retrain");
  res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  res.arch_name = arch.name;
  if (setup.strategy->type != "growth") res.genotype = encode(setup.space, arch);
  res.weights = final_child->weights;
  res.test_top1 = final_child->test.top1;
  res.test_top5 = final_child->test.top5;
  res.retrained = final_child->retrained;
  const Cost ir = setup.models.at("ir").model->network(arch);
  res.macs = ir.macs();
  res.params = ir.params();
  write_summary(setup, res, run);
  run.event({{"event", "done"},
             {"test_accuracy", res.test_top1},
             {"test_top5", res.test_top5},
             {"retrained", res.retrained},
             {"seconds", res.seconds},
             {"threads", res.threads}});
  return res;
}

json dry_run_report(const RunSetup& s, const std::string& run_dir) {
  // Metrics no table holds (a whole-network model, or a space whose costs do
  // not add up) get ranges over sampled networks; a measuring model is left
  // to the search, as timing it here would take minutes.
  constexpr int kSamples = 200;
  std::vector<Arch> sampled;
  auto samples = [&]() -> const std::vector<Arch>& {
    if (sampled.empty()) {
      Rng rng = seeded_rng(s.config.seed, 0, 0xD7);
      for (int i = 0; i < kSamples; ++i) sampled.push_back(decode(s.space, sample(s.space, rng)));
    }
    return sampled;
  };
  std::map<std::string, std::vector<Cost>> whole;  // per model, over the samples
  auto whole_costs = [&](const std::string& name, const PricedModel& pm) -> const auto& {
    auto it = whole.find(name);
    if (it != whole.end()) return it->second;
    std::vector<Cost> v;
    for (const Arch& a : samples()) v.push_back(pm.model->network(a));
    return whole.emplace(name, std::move(v)).first->second;
  };
  auto needs_samples = [](const PricedModel& pm, int k) {
    return pm.model->metrics().test(k) && !pm.table->metrics().test(k) &&
           pm.model->name() != "measured";
  };
  json costs = json::object();
  for (const auto& [name, pm] : s.models) {
    json m = json::object();
    Cost lo = pm.table->min_cost(), hi = pm.table->max_cost();
    for (int k = 0; k < kNumMetrics; ++k) {
      if (pm.table->metrics().test(k)) {
        m[metric_names()[k]] = {{"min", lo.v[k]}, {"max", hi.v[k]}};
      } else if (needs_samples(pm, k)) {
        double mn = INFINITY, mx = -INFINITY;
        for (const Cost& c : whole_costs(name, pm))
          mn = std::min(mn, c.v[k]), mx = std::max(mx, c.v[k]);
        m[metric_names()[k]] = {{"min", mn}, {"max", mx}, {"sampled", kSamples}};
      }
    }
    costs[name] = m;
  }
  json constraints = json::array();
  for (const auto& c : s.config.constraints) {
    const PricedModel& pm = s.pricing().model_for(c);
    const int k = static_cast<int>(c.metric);
    json j = {{"constraint", c.describe()}};
    if (pm.table->metrics().test(k)) {
      j["reachable"] = true;  // checked exactly at setup
    } else if (needs_samples(pm, k)) {
      int met = 0;
      for (const Cost& x : whole_costs(c.model.empty() ? "ir" : c.model, pm))
        met += c.satisfied_by(x.v[k]);
      j["met_by_sampled"] = met;
      j["sampled"] = kSamples;
    }
    constraints.push_back(j);
  }
  return {{"dry_run", true},
          {"warnings", s.warnings},
          {"run_dir", run_dir},
          {"config_file", s.config.file},
          {"config", s.resolved_config()},
          {"space",
           {{"name", s.space.name},
            {"file", s.space.file},
            {"positions", s.space.positions.size()},
            {"size", space_size(s.space)},
            {"size_log10", space_size_log10(s.space)}}},
          {"costs", costs},
          {"constraints", constraints}};
}

std::string format_dry_run(const json& r) {
  const json& sp = r["space"];
  std::string out = "# resolved config (" + r["config_file"].get<std::string>() + ")\n" +
                    to_yaml(r["config"]) + "\n";
  out += fmt::format("space {}: {} positions, {} architectures (10^{:.2f})\n",
                     sp["name"].get<std::string>(), sp["positions"].get<int>(),
                     sp["size"].get<std::string>(), sp["size_log10"].get<double>());
  out += fmt::format("{:<10} {:<12} {:>14} {:>14}\n", "model", "metric", "smallest", "largest");
  for (const auto& [name, m] : r["costs"].items())
    for (const auto& [metric, range] : m.items())
      out += fmt::format(
          "{:<10} {:<12} {:>14} {:>14}{}\n", name, metric,
          format_number(range["min"].get<double>()), format_number(range["max"].get<double>()),
          range.contains("sampled")
              ? fmt::format("  (over {} sampled networks)", range["sampled"].get<int>())
              : "");
  for (const auto& c : r["constraints"]) {
    out += "constraint " + c["constraint"].get<std::string>() + ": ";
    if (c.contains("reachable"))
      out += "reachable\n";
    else if (c.contains("sampled"))
      out += fmt::format("met by {} of {} sampled networks\n", c["met_by_sampled"].get<int>(),
                         c["sampled"].get<int>());
    else
      out += "priced during the search (a measuring model)\n";
  }
  out += "run directory would be " + r["run_dir"].get<std::string>() + "\n";
  return out;
}

json list_strategies() {
  auto entries = [](const auto& registry) {
    json a = json::array();
    for (const auto& i : registry.list())
      a.push_back({{"type", i.type}, {"description", i.description}, {"options", i.defaults}});
    return a;
  };
  return {{"strategies", entries(builtin_strategy_options())},
          {"fitness", entries(builtin_fitness_options())}};
}

std::string format_strategy_list(const json& list) {
  std::string out;
  for (const char* kind : {"strategies", "fitness"}) {
    out += std::string(kind) == "strategies" ? "strategy: {type: T, ...}\n"
                                             : "\nfitness: {type: T, ...} (strategies that score "
                                               "candidates one by one)\n";
    for (const auto& e : list[kind]) {
      out += fmt::format("  {:<10} {}\n", e["type"].get<std::string>(),
                         e["description"].get<std::string>());
      for (const auto& [k, v] : e["options"].items())
        if (k != "type") out += fmt::format("  {:<10}   {}: {}\n", "", k, v.dump());
    }
  }
  return out;
}

}  // namespace hwnas
