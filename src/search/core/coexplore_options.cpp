#include "hwnas/search/coexplore_options.h"

#include <algorithm>
#include <cmath>
#include <set>

#include <fmt/format.h>

#include "hwnas/accel/analysis.h"
#include "hwnas/common/error.h"
#include "hwnas/common/paths.h"
#include "hwnas/common/text.h"
#include "hwnas/space/genotype.h"

namespace hwnas {

json CoexploreOptions::to_json() const {
  json t = json::array();
  for (const auto& task : tasks) {
    json j = {{"name", task.name}};
    if (!task.space_name.empty()) j["space"] = task.space_name;
    j["weight"] = task.weight;
    if (task.fitness) j["fitness"] = task.fitness->to_json();
    if (task.macs) j["macs"] = *task.macs;
    t.push_back(j);
  }
  json s = json::object();
  if (specs.latency_ms) s["latency_ms"] = *specs.latency_ms;
  if (specs.energy_mj) s["energy_mj"] = *specs.energy_mj;
  if (specs.area_mm2) s["area_mm2"] = *specs.area_mm2;
  json j = {{"type", type}, {"tasks", t}};
  if (!accelerator.empty()) j["accelerator"] = accelerator;  // required; resolve() says so
  j.update({{"specs", s},
            {"controller", controller},
            {"samples", samples},
            {"batch", batch},
            {"population", population},
            {"violation_reward", violation_reward},
            {"penalty", penalty},
            {"lr", lr},
            {"entropy", entropy},
            {"baseline_decay", baseline_decay},
            {"baseline", baseline}});
  return j;
}

std::vector<int> CoexploreOptions::sizes() const {
  std::vector<int> out;
  for (const auto& t : tasks)
    for (const auto& p : t.space->positions) out.push_back(int(p.choices.size()));
  for (int n : design_space->sizes()) out.push_back(n);
  return out;
}

std::size_t CoexploreOptions::offset(std::size_t t) const {
  std::size_t o = 0;
  for (std::size_t i = 0; i < t; ++i) o += tasks[i].space->positions.size();
  return o;
}

Space CoexploreOptions::joint_space() const {
  Space js;
  js.name = "coexplore";
  for (const auto& t : tasks)
    for (const auto& p : t.space->positions) {
      Position q;
      q.stage = t.name + ": " + p.stage;
      q.choices = p.choices;
      js.positions.push_back(std::move(q));
    }
  for (const auto& c : design_space->choices) {
    Position q;
    q.stage = c.key;
    for (std::size_t i = 0; i < c.options.size(); ++i) q.choices.push_back(int(i));
    js.positions.push_back(std::move(q));
  }
  return js;
}

namespace {

// Every design of sub `s` the space allows (its own choices only), at most `cap`.
std::vector<accel::AccelParams> sub_variants(const accel::DesignSpace& ds, int s, std::size_t cap) {
  std::vector<std::size_t> mine;
  for (std::size_t i = 0; i < ds.choices.size(); ++i)
    if (ds.choices[i].sub == s) mine.push_back(i);
  std::vector<int> pick(ds.choices.size(), 0);
  std::vector<accel::AccelParams> out;
  while (out.size() < cap) {
    out.push_back(ds.design(pick).subs[std::size_t(s)]);
    std::size_t k = 0;  // odometer over this sub's choices
    for (; k < mine.size(); ++k) {
      if (++pick[mine[k]] < int(ds.choices[mine[k]].options.size())) break;
      pick[mine[k]] = 0;
    }
    if (k == mine.size()) break;
  }
  return out;
}

// The subs task `t` may run on: the mapping's, or any when it is searched.
std::vector<int> task_subs(const accel::DesignSpace& ds, int t) {
  for (const auto& c : ds.choices)
    if (c.task == t) {
      std::vector<int> all(ds.subs.size());
      for (std::size_t i = 0; i < all.size(); ++i) all[i] = int(i);
      return all;
    }
  const json& m = ds.doc.root.at("mapping").at(std::size_t(t));
  return {int(std::find(ds.subs.begin(), ds.subs.end(), m.get<std::string>()) - ds.subs.begin())};
}

struct LayerAt {
  Layer layer;
  Shape in;
  std::string where;
};

// A task's layers: the fixed ones, and per position use every choice's.
struct SpaceLayers {
  std::vector<LayerAt> fixed;
  std::vector<std::vector<LayerAt>> choices;  ///< per position use
};

SpaceLayers space_layers(const Space& space) {
  SpaceLayers out;
  std::set<int> searched;
  for (std::size_t p = 0; p < space.positions.size(); ++p)
    for (const auto& u : space.positions[p].uses) {
      searched.insert(u.layer_index);
      std::vector<LayerAt> v;
      for (std::size_t c = 0; c < u.layers.size(); ++c)
        v.push_back({u.layers[c], u.in,
                     fmt::format("position {} ({}) choice '{}'", p, space.positions[p].stage,
                                 space.choice_name(int(p), int(c)))});
      out.choices.push_back(std::move(v));
    }
  const auto shapes = infer_shapes(space.skeleton);
  for (std::size_t i = 0; i < space.skeleton.layers.size(); ++i)
    if (!searched.count(int(i)))
      out.fixed.push_back({space.skeleton.layers[i], shapes[i].in, fmt::format("layers[{}]", i)});
  return out;
}

// Lower bounds of one task's latency and energy on one sub design: the fixed
// layers plus each position's cheapest choice that fits; infinite when a
// fixed layer or every choice of a position does not fit.
std::pair<double, double> task_bounds(const SpaceLayers& sl, const accel::AccelParams& hw) {
  double lat = 0, energy = 0;
  auto cost = [&](const LayerAt& l) -> std::pair<double, double> {
    const accel::LayerCost c = accel::analyze_layer(l.layer, l.in, 1, hw);
    if (!accel::fits(c, hw)) return {HUGE_VAL, HUGE_VAL};
    return {accel::latency_ms(c.cycles, hw), accel::energy_mj(c, hw)};
  };
  for (const auto& l : sl.fixed) {
    auto [a, b] = cost(l);
    lat += a, energy += b;
  }
  for (const auto& use : sl.choices) {
    double a = HUGE_VAL, b = HUGE_VAL;
    for (const auto& l : use) {
      auto [x, y] = cost(l);
      a = std::min(a, x), b = std::min(b, y);
    }
    lat += a, energy += b;
  }
  return {lat, energy};
}

// Fails at `where` when some layer of the task fits no design of any sub it
// may run on, naming the layer and the buffer sizes it needs.
void check_fits(const CoexploreTask& task, const SpaceLayers& sl,
                const std::vector<std::vector<accel::AccelParams>>& variants,
                const std::vector<int>& subs, const Value& where) {
  auto check = [&](const LayerAt& l) {
    double l1 = HUGE_VAL, l2 = HUGE_VAL;
    for (int s : subs)
      for (const auto& hw : variants[std::size_t(s)]) {
        const accel::LayerCost c = accel::analyze_layer(l.layer, l.in, 1, hw);
        if (accel::fits(c, hw)) return;
        l1 = std::min(l1, c.l1_bytes_needed), l2 = std::min(l2, c.l2_bytes_needed);
      }
    where.fail(fmt::format(
        "task '{}': {} ({}) fits no sub-accelerator it may run on: its tiles "
        "need at least {} bytes of L1 and {} bytes of L2; add larger "
        "l1_bytes / l2_bytes options",
        task.name, l.where, layer_summary(l.layer), std::llround(l1), std::llround(l2)));
  };
  for (const auto& l : sl.fixed) check(l);
  for (const auto& use : sl.choices)
    if (std::none_of(use.begin(), use.end(), [&](const LayerAt& l) {
          for (int s : subs)
            for (const auto& hw : variants[std::size_t(s)])
              if (accel::fits(accel::analyze_layer(l.layer, l.in, 1, hw), hw)) return true;
          return false;
        }))
      check(use.front());
}

}  // namespace

void CoexploreOptions::resolve(const OptionsContext& ctx, const Value& node) {
  Fields f = node.as_object();
  const Value tasks_node = f.get("tasks");  // required
  const Value accel_node = f.get("accelerator");
  const auto list = tasks_node.as_list(1, 16);
  for (std::size_t i = 0; i < list.size(); ++i) {
    CoexploreTask& t = tasks[i];
    Fields tf = list[i].as_object();
    if (t.space_name.empty()) {
      t.space = std::make_shared<const Space>(ctx.pricing.space());  // the run's own
    } else {
      const Value sv = tf.get("space");
      if (is_space_path(t.space_name)) t.space_name = resolve_input_path(sv);
      t.space = std::make_shared<const Space>(load_space(t.space_name));
    }
    auto fitness = builtin_fitness_options().read(*t.fitness_node);
    fitness->resolve(*t.space, *t.fitness_node);
    // Training and supernet fitness read the run's data: the task must take it.
    const Arch& mine = t.space->skeleton;
    const Arch& run = ctx.pricing.space().skeleton;
    if ((fitness->type == "train" || fitness->type == "supernet") &&
        (mine.input != run.input || mine.num_classes != run.num_classes))
      t.fitness_node->fail(fmt::format(
          "fitness {} trains or scores on the run's data ({}x{}x{}, {} classes), but task '{}' "
          "(space {}) takes {}x{}x{} inputs to {} classes; use table or proxy fitness for it",
          fitness->type, run.input.c, run.input.h, run.input.w, run.num_classes, t.name,
          t.space->name, mine.input.c, mine.input.h, mine.input.w, mine.num_classes));
    t.fitness = std::move(fitness);
  }
  accelerator = resolve_input_path(accel_node);
  try {
    design_space = std::make_shared<const accel::DesignSpace>(
        accel::load_design_space(accelerator, int(tasks.size())));
  } catch (const InputError& e) {
    throw e.with_context("in strategy.accelerator (" + accel_node.place() + ")");
  }
  const accel::DesignSpace& ds = *design_space;
  for (const json& m : ds.doc.root.at("mapping"))
    if (!m.is_string())
      throw InputError(accelerator,
                       "mapping: coexplore maps whole networks; give one sub-accelerator name per "
                       "task (or `search`), not layer ranges");
  // Every sub's designs, for the buffer check and the bounds; huge sub
  // spaces are checked on their first 4096 designs only.
  std::vector<std::vector<accel::AccelParams>> variants;
  for (std::size_t s = 0; s < ds.subs.size(); ++s)
    variants.push_back(sub_variants(ds, int(s), 4096));
  double lat_bound = 0, energy_bound = 0;
  std::string lat_task;
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    if (!tasks[i].space->additive()) continue;  // block cells: widths depend on the genotype
    const SpaceLayers sl = space_layers(*tasks[i].space);
    const auto subs = task_subs(ds, int(i));
    check_fits(tasks[i], sl, variants, subs, accel_node);
    double lat = HUGE_VAL, energy = HUGE_VAL;
    for (int s : subs)
      for (const auto& hw : variants[std::size_t(s)]) {
        auto [a, b] = task_bounds(sl, hw);
        lat = std::min(lat, a), energy = std::min(energy, b);
      }
    if (lat > lat_bound) lat_bound = lat, lat_task = tasks[i].name;
    energy_bound += energy;
  }
  double area_bound = 0;
  for (const auto& v : variants) {
    double a = HUGE_VAL;
    for (const auto& hw : v) a = std::min(a, accel::area_mm2(hw));
    area_bound += a;
  }
  if (controller == "evolution") check_distinct_count(joint_space(), samples, "samples", node);
  if (auto s = f.find("specs")) {
    Fields sf = s->as_object();
    auto below = [&](const char* key, const std::optional<double>& spec, double bound,
                     const std::string& why) {
      if (spec && *spec < bound * (1 - 1e-9))
        sf.get(key).fail(
            fmt::format("{} is below what any design of {} can reach: at least {} "
                        "({})",
                        *spec, ds.name, format_number(bound), why));
    };
    below("latency_ms", specs.latency_ms, lat_bound,
          "task '" + lat_task + "' with its cheapest choices on its fastest sub-accelerator");
    below("energy_mj", specs.energy_mj, energy_bound,
          "every task with its cheapest choices on its most frugal sub-accelerator");
    below("area_mm2", specs.area_mm2, area_bound, "every sub-accelerator at its smallest");
  }
}

void register_coexplore_options(StrategyOptionsRegistry& r) {
  r.add("coexplore",
        "NASAIC: several tasks' networks and one heterogeneous accelerator searched together "
        "(REINFORCE over the joint choices, random, or NSGA-II), under latency, energy and "
        "area specs",
        [](Fields& f) {
          auto o = std::make_unique<CoexploreOptions>();
          if (auto tasks = f.find("tasks")) {
            std::set<std::string> names;
            for (const Value& v : tasks->as_list(0, 16)) {  // resolve() wants one at least
              Fields tf = v.as_object();
              CoexploreTask t;
              t.name = tf.get_string("name");
              if (!names.insert(t.name).second)
                tf.get("name").fail("two tasks are named '" + t.name + "'");
              t.space_name = tf.get_string("space", "");
              t.fitness_node = tf.get("fitness");
              if (!t.fitness_node->is_object())
                t.fitness_node->fail("expected a fitness provider, e.g. {type: proxy}");
              t.weight = tf.get_number("weight", 0, 1e6, t.weight);
              if (tf.has("macs")) t.macs = tf.get_number("macs", 1, 1e18);
              tf.finish();
              o->tasks.push_back(std::move(t));
            }
          }
          if (auto a = f.find("accelerator")) o->accelerator = a->as_string();
          if (auto s = f.find("specs")) {
            Fields sf = s->as_object();
            if (sf.has("latency_ms"))
              o->specs.latency_ms = sf.get_number("latency_ms", 1e-12, 1e12);
            if (sf.has("energy_mj")) o->specs.energy_mj = sf.get_number("energy_mj", 1e-12, 1e12);
            if (sf.has("area_mm2")) o->specs.area_mm2 = sf.get_number("area_mm2", 1e-12, 1e12);
            sf.finish();
          }
          o->controller =
              f.get_choice("controller", {"reinforce", "random", "evolution"}, o->controller);
          o->samples = f.get_int("samples", 1, 100'000'000, o->samples);
          o->batch = int(f.get_int("batch", 1, 100000, o->batch));
          o->population = int(f.get_int("population", 2, 100000, o->population));
          o->violation_reward = f.get_number("violation_reward", -1e12, 1e12, o->violation_reward);
          o->penalty = f.get_number("penalty", 0, 1e12, o->penalty);
          o->lr = f.get_number("lr", 1e-8, 10, o->lr);
          o->entropy = f.get_number("entropy", 0, 100, o->entropy);
          o->baseline_decay = f.get_number("baseline_decay", 0, 0.9999, o->baseline_decay);
          o->baseline = f.get_choice("baseline", {"none", "successive"}, o->baseline);
          f.finish();
          return o;
        });
}

}  // namespace hwnas
