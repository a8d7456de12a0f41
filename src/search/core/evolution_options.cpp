#include "hwnas/search/evolution_options.h"

#include <algorithm>

#include <fmt/format.h>

#include "hwnas/common/text.h"
#include "hwnas/space/genotype.h"

namespace hwnas {

namespace {

Metric metric_named(const std::string& name) {
  for (std::size_t i = 0; i < metric_names().size(); ++i)
    if (metric_names()[i] == name) return static_cast<Metric>(i);
  return Metric::Params;
}

// A model a strategy option names must exist, and give the metric.
void check_model(const OptionsContext& ctx, const std::string& model, const std::string& metric,
                 const std::string& place) {
  const std::string name = model.empty() ? "ir" : model;
  const auto& models = ctx.pricing.models();
  if (!models.count(name)) {
    std::vector<std::string> names;
    for (const auto& [n, pm] : models)
      if (n != "ir") names.push_back(n);
    throw InputError(place,
                     fmt::format("no cost model named '{}'{}; cost_models defines: {}", name,
                                 did_you_mean(name, names), names.empty() ? "none" : join(names)));
  }
  if (!models.at(name).model->metrics().test(static_cast<int>(metric_named(metric))))
    throw InputError(place, fmt::format("cost model '{}' gives no {}", name, metric));
}

}  // namespace

std::string ObjectiveSpec::key() const {
  return metric == "fitness" ? "fitness" : (model.empty() ? "ir" : model) + "." + metric;
}

json EvolutionOptions::to_json() const {
  json objs = json::array(), ee = json::array();
  for (const auto& o : objectives) {
    json j = {{"metric", o.metric}, {"goal", o.maximise ? "max" : "min"}};
    if (!o.model.empty()) j["model"] = o.model;
    objs.push_back(j);
  }
  for (const auto& c : early_exit) {
    json j = {{"metric", metric_names()[static_cast<int>(c.metric)]}, {"max", *c.max}};
    if (!c.model.empty()) j["model"] = c.model;
    ee.push_back(j);
  }
  const EvolutionSettings& s = settings;
  json pk = {{"by", pick.by}, {"goal", pick.maximise ? "max" : "min"}};
  if (pick.fitness_within) pk["fitness_within"] = *pick.fitness_within;
  json out = {{"type", type},
              {"selection", s.selection},
              {"population", s.population},
              {"evaluations", s.evaluations},
              {"tournament_size", s.tournament_size},
              {"mutation_prob", s.mutation_prob},
              {"crossover_prob", s.crossover_prob},
              {"objectives", objs},
              {"early_exit", ee},
              {"early_exit_offspring", early_exit_offspring},
              {"min_draws", s.min_draws},
              {"pick", pk}};
  if (!hypervolume_reference.empty()) out["hypervolume_reference"] = hypervolume_reference;
  return out;
}

std::vector<std::string> EvolutionOptions::objective_models() const {
  std::vector<std::string> out;
  for (const auto& o : objectives)
    if (!o.model.empty()) out.push_back(o.model);
  for (const auto& c : early_exit)
    if (!c.model.empty()) out.push_back(c.model);
  return out;
}

void EvolutionOptions::resolve(const OptionsContext& ctx, const Value& node) {
  for (const auto& o : objectives)
    if (o.metric != "fitness") check_model(ctx, o.model, o.metric, o.place);
  const Space& space = ctx.pricing.space();
  check_distinct_count(space, settings.evaluations, "evaluations", node);
  for (const auto& c : early_exit) {
    check_model(ctx, c.model, metric_names()[static_cast<int>(c.metric)], c.place);
    // A threshold under the space's cheapest network refuses every candidate.
    const auto& pm = ctx.pricing.models().at(c.model.empty() ? "ir" : c.model);
    const int m = static_cast<int>(c.metric);
    if (pm.table->metrics().test(m) && pm.table->min_cost().v[m] > *c.max)
      throw InputError(c.place,
                       fmt::format("{} <= {} refuses every network of space {}: the "
                                   "cheapest costs {:.6g}",
                                   c.describe(), *c.max, space.name, pm.table->min_cost().v[m]));
  }
}

void register_evolution_options(StrategyOptionsRegistry& r) {
  r.add("evolution",
        "evolutionary search (nsga2, aging or tournament selection) with early exit: candidates "
        "over an early_exit threshold are refused before they are scored (EEEA-Net)",
        [](Fields& f) {
          auto o = std::make_unique<EvolutionOptions>();
          EvolutionSettings& s = o->settings;
          s.selection = f.get_choice("selection", {"nsga2", "aging", "tournament"}, s.selection);
          s.population = int(f.get_int("population", 2, 100000, s.population));
          s.evaluations = f.get_int("evaluations", 1, 100'000'000, s.evaluations);
          // Default: 5, or the whole population when it is smaller.
          const bool given = f.has("tournament_size");
          s.tournament_size = int(
              f.get_int("tournament_size", 2, 100000, std::min(s.tournament_size, s.population)));
          if (given && s.tournament_size > s.population)
            f.get("tournament_size")
                .fail(fmt::format("is larger than the population ({})", s.population));
          s.mutation_prob = f.get_number("mutation_prob", 0, 1, s.mutation_prob);
          s.crossover_prob = f.get_number("crossover_prob", 0, 1, s.crossover_prob);
          s.min_draws = f.get_int("min_draws", 1000, 1'000'000'000'000, s.min_draws);
          o->early_exit_offspring = f.get_bool("early_exit_offspring", false);
          if (auto objs = f.find("objectives")) {
            bool fitness = false;
            for (const Value& v : objs->as_list(1, 16)) {
              Fields of = v.as_object();
              ObjectiveSpec spec;
              spec.place = of.place();
              std::vector<std::string> metrics = {"fitness"};
              for (const auto& m : metric_names()) metrics.push_back(m);
              spec.metric = of.get_choice("metric", metrics);
              spec.model = of.get_string("model", "");
              spec.maximise = of.get_choice("goal", {"max", "min"},
                                            spec.metric == "fitness" ? "max" : "min") == "max";
              of.finish();
              fitness = fitness || spec.metric == "fitness";
              o->objectives.push_back(spec);
            }
            if (!fitness) objs->fail("the objectives must include {metric: fitness}");
          } else {
            o->objectives.push_back(ObjectiveSpec{});
          }
          if (auto ee = f.find("early_exit")) {
            for (const Value& v : ee->as_list(0, 16)) {
              Fields ef = v.as_object();
              Constraint c;
              c.place = ef.place();
              c.metric = metric_named(ef.get_choice("metric", metric_names()));
              c.model = ef.get_string("model", "");
              c.max = ef.get_number("max", 0, 1e18);
              ef.finish();
              o->early_exit.push_back(c);
            }
          }
          std::vector<std::string> keys;
          for (const auto& spec : o->objectives) keys.push_back(spec.key());
          if (auto ref = f.find("hypervolume_reference")) {
            const auto values = ref->as_list(1, 16);
            if (values.size() != keys.size())
              ref->fail(fmt::format("has {} values; it needs one per objective ({}: {})",
                                    values.size(), keys.size(), join(keys)));
            for (const Value& v : values)
              o->hypervolume_reference.push_back(v.as_number(-1e18, 1e18));
          }
          if (auto pk = f.find("pick")) {
            Fields pf = pk->as_object();
            if (auto by = pf.find("by")) {
              o->pick.by = by->as_string();
              if (std::find(keys.begin(), keys.end(), o->pick.by) == keys.end())
                by->fail(fmt::format("'{}' is not an objective{}; the objectives are: {}",
                                     o->pick.by, did_you_mean(o->pick.by, keys), join(keys)));
            }
            const auto& spec = o->objectives[std::size_t(
                std::find(keys.begin(), keys.end(), o->pick.by) - keys.begin())];
            o->pick.maximise =
                pf.get_choice("goal", {"max", "min"}, spec.maximise ? "max" : "min") == "max";
            if (pf.has("fitness_within"))
              o->pick.fitness_within = pf.get_number("fitness_within", 0, 1e18);
            pf.finish();
          }
          f.finish();
          return o;
        });
}

}  // namespace hwnas
