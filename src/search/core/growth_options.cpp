#include "hwnas/search/growth_options.h"

#include <algorithm>

#include <fmt/format.h>

#include "hwnas/common/error.h"
#include "hwnas/common/paths.h"
#include "hwnas/ir/arch_json.h"
#include "hwnas/ir/grow_plan.h"
#include "hwnas/space/genotype.h"

namespace hwnas {

json GrowthOptions::to_json() const {
  json j = {{"type", type}};
  if (!start_arch.empty()) j["start"] = start_arch;
  if (!start_genotype.empty()) j["start"] = start_genotype;
  j.update({{"controller", controller},
            {"episodes", episodes},
            {"children", children},
            {"widen_steps", widen_steps},
            {"deepen_steps", deepen_steps},
            {"epochs", epochs},
            {"start_epochs", start_epochs},
            {"images", images},
            {"widths", widths},
            {"kernels", kernels},
            {"noise", noise},
            {"penalty", penalty},
            {"lr", lr},
            {"entropy", entropy},
            {"baseline_decay", baseline_decay}});
  return j;
}

namespace {

// Whether any Net2Wider (to a listed width) or Net2Deeper step the options
// allow applies.
bool can_grow(const Arch& a, const GrowthOptions& o) {
  for (int i = 0; i < int(a.layers.size()); ++i) {
    if (o.deepen_steps > 0 && deepen_refusal(a, i).empty()) return true;
    for (WidenPart part : {WidenPart::Out, WidenPart::Mid})
      if (o.widen_steps > 0 && widen_refusal(a, i, part).empty() &&
          current_width(a, i, part) < o.widths.back())
        return true;
  }
  return false;
}

}  // namespace

void GrowthOptions::resolve(const OptionsContext& ctx, const Value& node) {
  Fields f = node.as_object();
  const Value where = f.get("start");  // required
  const Space& space = ctx.pricing.space();
  if (!start_arch.empty()) {
    start = load_arch(start_arch);
  } else {
    const Genotype g(start_genotype.begin(), start_genotype.end());
    try {
      check_genotype(space, g);
    } catch (const InputError& e) {
      where.fail(e.what());
    }
    start = decode(space, g);
  }
  const Arch& sk = space.skeleton;
  if (start.input != sk.input || start.num_classes != sk.num_classes)
    where.fail(
        fmt::format("the start net takes {}x{}x{} inputs to {} classes; space {} (the "
                    "run's data) has {}x{}x{} and {}",
                    start.input.c, start.input.h, start.input.w, start.num_classes, space.name,
                    sk.input.c, sk.input.h, sk.input.w, sk.num_classes));
  if (!can_grow(start, *this))
    where.fail(fmt::format("no transformation applies to the start net: {}{}",
                           widen_steps > 0
                               ? "no layer can be widened to a larger listed width (widths)"
                               : "widen_steps is 0",
                           deepen_steps > 0 ? " and no identity layer can follow any layer"
                                            : " and deepen_steps is 0"));
  // Grown layers are in no per-layer table; the bounds need whole-network models.
  for (const auto& c : ctx.config.constraints) {
    const std::string name = ctx.pricing.model_for(c).model->name();
    if (name == "lut" || name == "lut-calibrated" || name == "table")
      node.fail(
          fmt::format("constraint {} uses a {} model, which prices only the layers its "
                      "table holds; a grown net has others (use measured, flops, "
                      "accelerator, or ir's counts)",
                      c.describe(), name));
  }
  const json costs = ctx.pricing.costs(start);
  for (const auto& c : ctx.config.constraints) {
    const double v =
        costs.at(c.model.empty() ? "ir" : c.model).at(metric_names()[int(c.metric)]).get<double>();
    if (!c.satisfied_by(v))
      where.fail(fmt::format("the start net already misses {} ({}): growing only adds cost",
                             c.describe(), v));
  }
}

void register_growth_options(StrategyOptionsRegistry& r) {
  r.add(
      "growth",
      "EAS: a trained start net grown by function-preserving Net2Wider/Net2Deeper steps "
      "chosen by a REINFORCE controller (or at random), each child trained on from its "
      "parent's weights",
      [](Fields& f) {
        auto o = std::make_unique<GrowthOptions>();
        if (auto s = f.find("start")) {
          if (s->raw().is_string())
            o->start_arch = resolve_input_path(*s);
          else
            for (auto v : s->as_int_list(0, 1'000'000, 1)) o->start_genotype.push_back(int(v));
        }
        o->controller = f.get_choice("controller", {"reinforce", "random"}, o->controller);
        o->episodes = int(f.get_int("episodes", 1, 100000, o->episodes));
        o->children = int(f.get_int("children", 1, 10000, o->children));
        o->widen_steps = int(f.get_int("widen_steps", 0, 100, o->widen_steps));
        o->deepen_steps = int(f.get_int("deepen_steps", 0, 100, o->deepen_steps));
        if (o->widen_steps + o->deepen_steps == 0)
          f.self().fail("widen_steps and deepen_steps are both 0: a child would equal its parent");
        o->epochs = int(f.get_int("epochs", 1, 10000, o->epochs));
        o->start_epochs = int(f.get_int("start_epochs", 1, 10000, o->start_epochs));
        o->images = f.get_int("images", 0, 1'000'000'000, o->images);
        for (const char* key : {"widths", "kernels"}) {
          if (!f.has(key)) continue;
          const Value v = f.get(key);
          const bool k = std::string(key) == "kernels";
          std::vector<int> list;
          for (auto x : v.as_int_list(1, k ? 15 : 65536, 1)) list.push_back(int(x));
          if (!std::is_sorted(list.begin(), list.end()) ||
              std::adjacent_find(list.begin(), list.end()) != list.end())
            v.fail("expected increasing values without repeats");
          if (k && std::any_of(list.begin(), list.end(), [](int x) { return x % 2 == 0; }))
            v.fail("expected odd kernel sizes (an odd kernel keeps the shape)");
          (k ? o->kernels : o->widths) = list;
        }
        o->noise = f.get_number("noise", 0, 1, o->noise);
        o->penalty = f.get_number("penalty", 0, 1e6, o->penalty);
        o->lr = f.get_number("lr", 1e-8, 10, o->lr);
        o->entropy = f.get_number("entropy", 0, 100, o->entropy);
        o->baseline_decay = f.get_number("baseline_decay", 0, 0.9999, o->baseline_decay);
        f.finish();
        return o;
      });
}

}  // namespace hwnas
