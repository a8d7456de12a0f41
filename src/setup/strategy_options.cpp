#include "hwnas/setup/strategy_options.h"

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
  json j = {{"model", model}, {"form", form}};
  if (form == "add") j["lambda"] = lambda;
  if (form == "fbnet") j["alpha"] = alpha;
  if (form != "add") j["beta"] = beta;
  j["reference_ms"] = reference_ms;
  return j;
}

SupernetOptions read_supernet_options(Fields& f) {
  SupernetOptions o;
  o.type = f.get_choice("type", {"proxyless", "fbnet"});
  const bool fb = o.type == "fbnet";
  o.mode = fb ? f.get_choice("mode", {"soft", "hard"}, "soft")
              : f.get_choice("mode", {"two", "full_v2"}, "two");
  o.warmup_epochs = int(f.get_int("warmup_epochs", 0, 10000, o.warmup_epochs));
  o.arch_lr = f.get_number("arch_lr", 1e-8, 10, o.arch_lr);
  o.arch_every = int(f.get_int("arch_every", 1, 10000, o.arch_every));
  o.penalty = f.get_number("penalty", 0, 1e6, o.penalty);
  if (fb) {
    o.temperature = f.get_number("temperature", 1e-4, 1e4, o.temperature);
    o.temperature_decay = f.get_number("temperature_decay", 1e-3, 1, o.temperature_decay);
  }
  if (auto l = f.find("loss")) {
    Fields lf = l->as_object();
    o.loss = CostLossOptions::read(lf, fb ? "fbnet" : "add");
  } else {
    o.loss.form = fb ? "fbnet" : "add";
  }
  f.finish();
  return o;
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
  return j;
}

}  // namespace hwnas
