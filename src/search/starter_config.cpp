#include "hwnas/search/starter_config.h"

#include <unistd.h>

#include <cmath>
#include <filesystem>

#include <fmt/format.h>

#include "hwnas/common/error.h"
#include "hwnas/common/files.h"
#include "hwnas/common/paths.h"
#include "hwnas/common/text.h"
#include "hwnas/search/run.h"
#include "hwnas/space/space.h"

namespace hwnas {
namespace fs = std::filesystem;

namespace {

// A shipped file by its path under a data folder, made absolute so the
// config works wherever it is written.
std::string shipped(const std::string& sub, const std::string& name) {
  for (const auto& d : data_dirs(sub))
    if (fs::exists(fs::path(d) / name)) return fs::absolute(fs::path(d) / name).string();
  return "";
}

// One section: its comment, then `key: value` as YAML.
std::string section(const std::string& comment, const std::string& key, const json& value) {
  std::string out;
  for (const auto& line : split(comment, '\n')) out += "# " + line + "\n";
  return out + to_yaml(json{{key, value}}) + "\n";
}

double two_digits(double v) {
  if (!(v > 0)) return v;
  const double scale = std::pow(10.0, std::floor(std::log10(v)) - 1);
  return std::round(v / scale) * scale;
}

json cost_model(const StarterRequest& o, const Space& space) {
  if (o.cost == "flops") return {{"type", "flops"}, {"gmacs_per_s", 10}, {"overhead_ms", 0.1}};
  if (o.cost == "measured") return {{"type", "measured"}};
  if (o.cost == "lut" || o.cost == "lut-calibrated") {
    const std::string table = shipped("latency_models", space.name + ".cpu.json");
    if (table.empty())
      throw InputError("--cost", fmt::format("hwnas ships no latency table for space {}; make "
                                             "one with 'hwnas profile --space {} --out T.json', "
                                             "or use --cost flops",
                                             space.name, space.name));
    return {{"type", o.cost}, {"table", table}};
  }
  if (o.cost == "accelerator")
    return {{"type", "accelerator"}, {"accel", shipped("configs", "accel/eyeriss.yaml")}};
  if (o.cost == "table") {
    if (o.table.empty() || o.column.empty())
      throw InputError("--cost table",
                       "needs --table FILE (whole-network measurements, CSV) "
                       "and --column C (the column of milliseconds)");
    return {{"type", "table"},
            {"file", fs::absolute(o.table).string()},
            {"column", o.column},
            {"missing", "infinite"}};
  }
  throw InputError("--cost",
                   "expected flops, lut, lut-calibrated, measured, accelerator or "
                   "table, got " +
                       o.cost);
}

}  // namespace

std::string starter_config(const StarterRequest& o) {
  const json listed = list_strategies();
  json defaults;
  std::vector<std::string> types;
  for (const auto& s : listed["strategies"]) {
    types.push_back(s["type"]);
    if (s["type"] == o.strategy) defaults = s["options"];
  }
  if (defaults.is_null())
    throw InputError("--strategy", "expected one of " + join(types, ", ") + ", got " + o.strategy);
  const Space space = load_space(o.space);
  const Shape in = space.skeleton.input;
  const bool fmnist = in.c == 1 && in.h == 28 && in.w == 28;
  const bool searches_space = o.strategy != "growth";
  if (!searches_space && !fmnist)
    throw InputError("--space", fmt::format("growth grows the shipped start net (1x28x28), not "
                                            "a net for {}'s {}x{}x{} input; write "
                                            "strategy.start yourself (docs/growth.md)",
                                            space.name, in.c, in.h, in.w));
  if (!searches_space && (o.cost == "lut" || o.cost == "lut-calibrated"))
    throw InputError("--cost",
                     "growth builds nets outside any space, whose layers a space's "
                     "latency table lacks; use flops, measured or accelerator");
  const json cost = cost_model(o, space);

  json strategy = defaults;
  if (o.strategy == "proxyless" || o.strategy == "fbnet") strategy["loss"]["model"] = "lat";
  if (o.strategy == "growth") strategy["start"] = shipped("configs", "growth/eas-start.arch.json");
  if (o.strategy == "coexplore") {
    strategy["accelerator"] = shipped("configs", "accel_spaces/nasaic-2.yaml");
    strategy["tasks"] = json::array({{{"name", "main"}, {"fitness", {{"type", "proxy"}}}}});
    strategy["specs"] = json::object();
  }
  const bool scores_one_by_one = o.strategy == "random" || o.strategy == "evolution";

  // A latency bound in the middle of the space's range (geometric mean of
  // its fastest and slowest network), read from the prepared config.
  json config = {
      {"name", o.strategy + "-" + space.name},
      {"seed", 0},
      {"space", space.name},
      {"data",
       fmnist ? json{{"dataset", "fashion-mnist"}, {"train_limit", 10000}, {"val_fraction", 0.2}}
              : json{{"dataset", "synthetic"}}},
      {"cost_models", {{"lat", cost}}},
      {"strategy", strategy},
      {"train", {{"epochs", 5}, {"batch", 64}}},
      {"retrain", {{"epochs", 5}, {"batch", 128}}}};
  if (scores_one_by_one) config["fitness"] = {{"type", "proxy"}};
  std::string bound_note =
      "the model prices whole networks during the search, so the space's range is not known "
      "here: add a bound yourself";
  json constraints = json::array();
  {
    const std::string probe =
        (fs::temp_directory_path() / ("hwnas-init-" + std::to_string(::getpid()) + ".yaml"))
            .string();
    write_file_atomic(probe, to_yaml(config));
    try {
      // The draft goes through the same checks as a run's config; what they
      // refuse is the choice of strategy, space and cost, not the draft.
      const RunSetup s = [&] {
        try {
          return prepare_config_file(probe);
        } catch (const InputError& e) {
          throw InputError("--strategy " + o.strategy + " --space " + o.space + " --cost " + o.cost,
                           e.message());
        }
      }();
      const PricedModel& pm = s.models.at("lat");
      const int k = static_cast<int>(Metric::LatencyMs);
      if (cost["type"] != "measured" && searches_space && pm.table->metrics().test(k)) {
        const double lo = pm.table->min_cost().v[k], hi = pm.table->max_cost().v[k];
        if (std::isfinite(lo) && std::isfinite(hi) && lo > 0) {
          const double max = two_digits(std::sqrt(lo * hi));
          constraints.push_back({{"model", "lat"}, {"metric", "latency_ms"}, {"max", max}});
          bound_note = fmt::format(
              "the space spans {} .. {} ms on this model; the bound is "
              "their geometric mean",
              format_number(lo), format_number(hi));
        }
      }
    } catch (...) {
      fs::remove(probe);
      throw;
    }
    fs::remove(probe);
  }

  std::string out = fmt::format(
      "# hwnas run config: strategy {} over space {}, latency by a {} model.\n"
      "# Written by 'hwnas init'; check it with 'hwnas search --config THIS --dry-run'.\n"
      "# docs/config.md lists every key with its range and default.\n\n",
      o.strategy, space.name, cost["type"].get<std::string>());
  out += section("The run's name (its run directory is runs/<name>) and seed.", "name",
                 config["name"]);
  out += to_yaml(json{{"seed", 0}}) + "\n";
  out += section(fmt::format("Space {}: {} positions, {}x{}x{} inputs, {} classes.", space.name,
                             space.positions.size(), in.c, in.h, in.w, space.skeleton.num_classes),
                 "space", space.name);
  out += section(fmnist ? "Fashion-MNIST (Debian: apt-get install dataset-fashion-mnist); a "
                          "share held out\nfor the search's validation."
                        : "Synthetic images of the space's input shape: set your dataset "
                          "(docs/config.md, data).",
                 "data", config["data"]);
  out += section(cost["type"] == "flops"
                     ? "A placeholder device: 10 GMAC/s plus 0.1 ms. Profile yours ('hwnas "
                       "profile') or fit one\n('hwnas latency fit') and use it instead."
                     : "The cost model that prices every candidate.",
                 "cost_models", config["cost_models"]);
  if (!constraints.empty())
    out += section("Hard bounds: " + bound_note + ".", "constraints", constraints);
  else
    out += "# constraints: " + bound_note + ".\n\n";
  out += section("Every option of strategy " + o.strategy + " with its default.", "strategy",
                 strategy);
  if (scores_one_by_one)
    out += section(
        "Candidates scored untrained (SynFlow, seconds each); {type: train, epochs: "
        "1}\ntrains each instead.",
        "fitness", config["fitness"]);
  out += section("Training during the search (supernets, fitness) and of the final pick.", "train",
                 config["train"]);
  out += to_yaml(json{{"retrain", config["retrain"]}});
  return out;
}

}  // namespace hwnas
