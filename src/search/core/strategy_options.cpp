#include "hwnas/search/strategy_options.h"

#include <filesystem>

#include <fmt/format.h>

#include "hwnas/common/paths.h"
#include "hwnas/config/run_config.h"
#include "hwnas/search/coexplore_options.h"
#include "hwnas/search/evolution_options.h"
#include "hwnas/search/fitness_options.h"
#include "hwnas/search/growth_options.h"
#include "hwnas/search/random_options.h"
#include "hwnas/search/supernet_options.h"
#include "hwnas/space/genotype.h"

namespace hwnas {

const StrategyOptionsRegistry& builtin_strategy_options() {
  static const StrategyOptionsRegistry r = [] {
    StrategyOptionsRegistry r;
    register_supernet_options(r);
    register_random_options(r);
    register_evolution_options(r);
    register_growth_options(r);
    register_coexplore_options(r);
    return r;
  }();
  return r;
}

std::string distinct_count_excess(const Space& space, std::int64_t n, const std::string& what) {
  if (space_size_log10(space) < 18 && double(n) > std::stod(space_size(space)))
    return fmt::format("{} ({}) exceeds the {} architectures of space {}", what, n,
                       space_size(space), space.name);
  return "";
}

void check_distinct_count(const Space& space, std::int64_t n, const std::string& what,
                          const Value& node) {
  if (std::string why = distinct_count_excess(space, n, what); !why.empty()) node.fail(why);
}

json TrainFitnessOptions::to_json() const {
  return {{"type", type}, {"epochs", epochs}, {"images", images}};
}

json TableFitnessOptions::to_json() const {
  json j = {{"type", type}};
  if (!file.empty()) j["file"] = file;  // required: absent only in the list of defaults
  if (!column.empty()) j["column"] = column;
  j["genotype_column"] = genotype_column;
  j["missing"] = missing;
  return j;
}

void TableFitnessOptions::resolve(const Space& space, const Value& node) {
  Fields f = node.as_object();
  if (file.empty()) f.get("file");  // reports the missing key
  if (column.empty()) f.get("column");
  table =
      std::make_shared<const BenchTable>(read_bench_table(file, space, column, genotype_column));
}

json ProxyFitnessOptions::to_json() const {
  return {{"type", type}, {"score", score}};
}

json SupernetFitnessOptions::to_json() const {
  json j = {
      {"type", type}, {"bn_batches", bn_batches}, {"batch", batch}, {"val_images", val_images}};
  if (!run.empty()) j["run"] = run;  // required: absent only in the list of defaults
  return j;
}

namespace {

// Whether two spaces build the same network for every choice of every
// position (names and files may differ).
bool same_networks(const Space& a, const Space& b) {
  if (a.positions.size() != b.positions.size()) return false;
  for (std::size_t p = 0; p < a.positions.size(); ++p)
    if (a.positions[p].choices.size() != b.positions[p].choices.size()) return false;
  for (std::size_t p = 0; p < a.positions.size(); ++p)
    for (std::size_t c = 0; c < a.positions[p].choices.size(); ++c) {
      Genotype g(a.positions.size(), 0);
      g[p] = int(c);
      const Arch x = decode(a, g), y = decode(b, g);
      if (x.input != y.input || x.num_classes != y.num_classes || x.layers != y.layers)
        return false;
    }
  return true;
}

}  // namespace

void SupernetFitnessOptions::resolve(const Space& space, const Value& node) {
  Fields f = node.as_object();
  if (run.empty()) f.get("run");  // reports the missing key
  const Value where = f.get("run");
  namespace fs = std::filesystem;
  const std::string cfg = (fs::path(run) / "config.yaml").string();
  if (!fs::exists(cfg)) where.fail("'" + run + "' is not a search run directory (no config.yaml)");
  const RunConfig rc = load_run_config(cfg);
  if (rc.strategy.type != "proxyless" && rc.strategy.type != "fbnet")
    where.fail(
        fmt::format("'{}' is a {} search; a supernet fitness needs a proxyless or fbnet "
                    "search's run directory",
                    run, rc.strategy.type));
  const Space theirs =
      load_space(is_space_path(rc.space) ? resolve_input_path(rc.space, cfg) : rc.space);
  if (!same_networks(space, theirs))
    where.fail(
        fmt::format("the supernet in '{}' is of space {} ({}), whose networks differ from "
                    "this run's space {}",
                    run, theirs.name, theirs.file, space.name));
  const json& w = rc.strategy.options;
  shared = w.contains("weights") && w.at("weights") == "shared";
  if (!fs::exists(fs::path(run) / "checkpoints" / "last.ckpt"))
    where.fail("'" + run + "' has no supernet checkpoint (checkpoints/last.ckpt)");
}

const FitnessOptionsRegistry& builtin_fitness_options() {
  static const FitnessOptionsRegistry r = [] {
    FitnessOptionsRegistry r;
    r.add("train",
          "short training from scratch (train: optimizer, schedule, batch; fitness.epochs), "
          "top-1 on the validation split",
          [](Fields& f) {
            auto o = std::make_unique<TrainFitnessOptions>();
            o->epochs = int(f.get_int("epochs", 1, 10000, o->epochs));
            o->images = f.get_int("images", 0, 1'000'000'000, o->images);
            f.finish();
            return o;
          });
    r.add("table",
          "looked up in a benchmark table (file and column required; CSV: a genotype column "
          "and measured columns, e.g. NAS-Bench-201's accuracy)",
          [](Fields& f) {
            // file and column are required; resolve() says so, so that the
            // list of strategies can show the other defaults.
            auto o = std::make_unique<TableFitnessOptions>();
            if (f.has("file")) o->file = resolve_input_path(f.get("file"));
            o->column = f.get_string("column", "");
            o->genotype_column = f.get_string("genotype_column", o->genotype_column);
            o->missing = f.get_choice("missing", {"error", "skip"}, o->missing);
            f.finish();
            return o;
          });
    r.add("proxy",
          "a training-free score of the untrained network: synflow (log of the synaptic flow) "
          "or entropy (DeepMAD-style, from the structure alone)",
          [](Fields& f) {
            auto o = std::make_unique<ProxyFitnessOptions>();
            o->score = f.get_choice("score", {"synflow", "entropy"}, o->score);
            f.finish();
            return o;
          });
    r.add("supernet",
          "weights inherited from a trained supernet of the same space (run: a proxyless or "
          "fbnet search's run directory), BN re-estimated, top-1 on the validation split",
          [](Fields& f) {
            auto o = std::make_unique<SupernetFitnessOptions>();
            if (f.has("run")) o->run = resolve_input_path(f.get("run"));
            o->bn_batches = int(f.get_int("bn_batches", 1, 100000, o->bn_batches));
            o->batch = int(f.get_int("batch", 1, 65536, o->batch));
            o->val_images = f.get_int("val_images", 0, 1'000'000'000, o->val_images);
            f.finish();
            return o;
          });
    return r;
  }();
  return r;
}

}  // namespace hwnas
