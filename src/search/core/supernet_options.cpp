#include "hwnas/search/supernet_options.h"

#include <fmt/format.h>

namespace hwnas {

CostLossOptions CostLossOptions::read(Fields& f, const std::string& default_form) {
  CostLossOptions o;
  o.model = f.get_string("model", "");
  o.form = f.get_choice("form", {"add", "mul", "fbnet"}, default_form);
  if (o.form == "add") o.lambda = f.get_number("lambda", 0, 1e6, o.lambda);
  if (o.form == "fbnet") o.alpha = f.get_number("alpha", 0, 1e6, o.alpha);
  if (o.form != "add") o.beta = f.get_number("beta", 0, 100, o.beta);
  o.reference_ms = f.get_number("reference_ms", 0, 1e9, 0);
  f.finish();
  return o;
}

json CostLossOptions::to_json() const {
  json j = json::object();
  if (!model.empty()) j["model"] = model;  // empty: resolved from the constraints
  j["form"] = form;
  if (form == "add") j["lambda"] = lambda;
  if (form == "fbnet") j["alpha"] = alpha;
  if (form != "add") j["beta"] = beta;
  j["reference_ms"] = reference_ms;
  return j;
}

namespace {

std::unique_ptr<StrategyOptions> read_supernet_options(Fields& f, bool fb) {
  auto p = std::make_unique<SupernetOptions>();
  SupernetOptions& o = *p;
  o.type = fb ? "fbnet" : "proxyless";
  o.mode = fb ? f.get_choice("mode", {"soft", "hard"}, "soft")
              : f.get_choice("mode", {"two", "full_v2"}, "two");
  o.warmup_epochs = int(f.get_int("warmup_epochs", -1, 10000, o.warmup_epochs));
  o.arch_lr = f.get_number("arch_lr", 1e-8, 10, o.arch_lr);
  o.arch_every = int(f.get_int("arch_every", 1, 10000, o.arch_every));
  o.penalty = f.get_number("penalty", 0, 1e6, o.penalty);
  if (fb) {
    o.temperature = f.get_number("temperature", 1e-4, 1e4, o.temperature);
    o.temperature_decay = f.get_number("temperature_decay", 1e-3, 1, o.temperature_decay);
  }
  o.weights = f.get_choice("weights", {"separate", "shared"}, o.weights);
  if (auto l = f.find("loss")) {
    Fields lf = l->as_object();
    o.loss = CostLossOptions::read(lf, fb ? "fbnet" : "add");
  } else {
    o.loss.form = fb ? "fbnet" : "add";
  }
  f.finish();
  return p;
}

}  // namespace

void register_supernet_options(StrategyOptionsRegistry& r) {
  r.add("proxyless", "ProxylessNAS supernet: binary gates, one path per step (modes two, full_v2)",
        [](Fields& f) { return read_supernet_options(f, false); });
  r.add("fbnet", "FBNet supernet: Gumbel-softmax over candidates (modes soft, hard)",
        [](Fields& f) { return read_supernet_options(f, true); });
}

std::vector<std::string> SupernetOptions::objective_models() const {
  if (loss.model.empty()) return {};
  return {loss.model};
}

std::string SupernetOptions::objective_hint() const {
  return ", or name it in strategy.loss.model";
}

// The loss's model: as named, else the first latency constraint's, else the
// only model that gives latency.
void SupernetOptions::resolve(const OptionsContext& ctx, const Value& node) {
  const Space& space = ctx.pricing.space();
  if (!space.is_chain())
    node.fail(
        fmt::format("{} searches chain spaces, and space {} has cells or branches (its "
                    "layers read other than the previous one); use a strategy that "
                    "samples whole networks, such as random",
                    type, space.name));
  const PricedModels& models = ctx.pricing.models();
  auto gives_latency = [&](const std::string& name) {
    return models.at(name).model->metrics().test(static_cast<int>(Metric::LatencyMs));
  };
  if (!loss.model.empty()) {
    if (!models.count(loss.model) || loss.model == "ir")
      node.fail(fmt::format("loss.model '{}' is not a key of cost_models", loss.model));
    if (!gives_latency(loss.model))
      node.fail(fmt::format("loss.model '{}' does not give latency_ms", loss.model));
    if (!models.at(loss.model).table->metrics().test(static_cast<int>(Metric::LatencyMs)))
      node.fail(fmt::format(
          "loss.model '{}' prices whole networks only (its latency is not a sum over layers), so "
          "the supernet cannot take its expectation; use a lut or lut-calibrated model",
          loss.model));
  } else {
    bool found = false;
    for (const auto& c : ctx.config.constraints)
      if (c.metric == Metric::LatencyMs) {
        loss.model = c.model;
        found = true;
        break;
      }
    std::vector<std::string> lat;
    for (const auto& [name, pm] : models)
      if (name != "ir" && gives_latency(name)) lat.push_back(name);
    if (!found && lat.size() == 1) loss.model = lat[0];
  }
  if (weights == "shared")
    for (const Position& pos : space.positions)
      if (std::string why = why_not_shareable(space, pos); !why.empty())
        node.fail(fmt::format("weights: shared cannot slice position {} ({}) from one block: {}",
                              &pos - space.positions.data(), pos.stage, why));
  const int epochs = ctx.config.train.epochs;
  if (warmup_epochs < 0) warmup_epochs = epochs > 1 ? 1 : 0;
  if (warmup_epochs >= epochs)
    node.fail(
        fmt::format("warmup_epochs ({}) must be less than train.epochs ({}), or no "
                    "architecture step would run",
                    warmup_epochs, epochs));
}

json SupernetOptions::to_json() const {
  json j = {{"type", type},
            {"mode", mode},
            {"warmup_epochs", warmup_epochs},
            {"arch_lr", arch_lr},
            {"arch_every", arch_every},
            {"penalty", penalty}};
  if (type == "fbnet") j["temperature"] = temperature, j["temperature_decay"] = temperature_decay;
  j["loss"] = loss.to_json();
  j["weights"] = weights;
  return j;
}

std::string why_not_shareable(const Space& space, const Position& pos) {
  const PositionUse& use = pos.uses.front();
  const Layer* first = nullptr;
  for (std::size_t j = 0; j < use.layers.size(); ++j) {
    const Layer& l = use.layers[j];
    const std::string name = space.choice_name(int(&pos - space.positions.data()), int(j));
    if (l.op == Op::Zero || l.op == Op::Skip) continue;
    if (l.op != Op::MBConv)
      return fmt::format("candidate {} is a {}, not an mbconv", name, op_name(l.op));
    if (l.groups != 1 || l.shuffle || l.se)
      return fmt::format("candidate {} has {}", name,
                         l.se ? "squeeze-excite" : "grouped 1x1 convolutions");
    if (l.k % 2 == 0) return fmt::format("candidate {} has an even kernel ({})", name, l.k);
    if (!first) {
      first = &l;
      continue;
    }
    if (l.out != first->out || l.stride_or_default() != first->stride_or_default() ||
        l.act != first->act || l.residual != first->residual)
      return fmt::format(
          "candidate {} differs from the others in output, stride, act or "
          "residual (only kernel and expansion may differ)",
          name);
  }
  return "";  // no mbconv at all: nothing to share, the position stays as it is
}

}  // namespace hwnas
