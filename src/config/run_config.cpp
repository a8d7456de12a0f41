#include "hwnas/config/run_config.h"

#include <filesystem>
#include <thread>

#include <fmt/format.h>

#include "hwnas/common/error.h"
#include "hwnas/common/text.h"

namespace hwnas {

namespace {

constexpr std::int64_t kMaxImages = 1'000'000'000;

const std::vector<std::string> kDatasets = {"fashion-mnist", "mnist", "cifar10",  "cifar100",
                                            "folder",        "npy",   "synthetic"};

ComponentSpec read_component(const Value& v, const std::string& name) {
  Fields f = v.as_object();
  ComponentSpec c;
  c.name = name;
  auto t = f.get("type");
  c.type = t.as_string();
  c.options = v.raw();
  c.node = v;
  return c;  // the component's own keys are checked by its registry
}

Constraint read_constraint(const Value& v, const std::vector<ComponentSpec>& models) {
  Fields f = v.as_object();
  Constraint c;
  c.place = f.place();
  auto metric = f.get_choice("metric", metric_names());
  for (std::size_t i = 0; i < metric_names().size(); ++i)
    if (metric_names()[i] == metric) c.metric = static_cast<Metric>(i);
  if (auto m = f.find("model")) {
    c.model = m->as_string();
    std::vector<std::string> names;
    for (const auto& cm : models) names.push_back(cm.name);
    if (std::find(names.begin(), names.end(), c.model) == names.end())
      m->fail(fmt::format("no cost model named '{}'{}; cost_models defines: {}", c.model,
                          did_you_mean(c.model, names), names.empty() ? "none" : join(names)));
  } else if (c.metric != Metric::Macs && c.metric != Metric::Params) {
    f.get("metric").fail(fmt::format(
        "a constraint on {} must name the cost model it binds to (model: NAME); only macs and "
        "params need none",
        metric));
  }
  if (auto x = f.find("max")) c.max = x->as_number(0, 1e18);
  if (auto x = f.find("min")) c.min = x->as_number(0, 1e18);
  if (!c.max && !c.min) f.fail("a constraint needs max, min or both");
  if (c.max && c.min && *c.min > *c.max) f.get("min").fail("min is larger than max");
  f.finish();
  return c;
}

}  // namespace

DataConfig DataConfig::read(Fields& f) {
  DataConfig d;
  d.dataset = f.get_choice("dataset", kDatasets, d.dataset);
  d.path = f.get_string("path", "");
  if (d.path.empty() && (d.dataset == "cifar10" || d.dataset == "cifar100" ||
                         d.dataset == "folder" || d.dataset == "npy"))
    f.fail(fmt::format("dataset {} needs a path (the folder holding its files)", d.dataset));
  d.train_limit = f.get_int("train_limit", 0, kMaxImages, 0);
  d.retrain_limit = f.get_int("retrain_limit", -1, kMaxImages, -1);
  d.val_fraction = f.get_number("val_fraction", 0, 0.9, d.val_fraction);
  d.test_limit = f.get_int("test_limit", 0, kMaxImages, 0);
  d.stream = f.get_bool("stream", false);
  if (d.stream && d.dataset != "folder")
    f.get("stream").fail("only a folder dataset streams (dataset: folder)");
  d.min_crop_scale = f.get_number("min_crop_scale", 0.01, 1, d.min_crop_scale);
  d.workers = int(f.get_int("workers", 1, 256, d.workers));
  const bool cifar = d.dataset == "cifar10" || d.dataset == "cifar100";
  if (auto a = f.find("augment")) {
    Fields af = a->as_object();
    d.crop_pad = int(af.get_int("crop_pad", 0, 64, cifar ? 4 : 0));
    d.flip = af.get_bool("flip", cifar);
    d.cutout = int(af.get_int("cutout", 0, 1024, 0));
    af.finish();
  } else {
    d.crop_pad = cifar ? 4 : 0;
    d.flip = cifar;
  }
  f.finish();
  return d;
}

json DataConfig::to_json() const {
  json j = {{"dataset", dataset}};
  if (!path.empty()) j["path"] = path;
  j["train_limit"] = train_limit;
  if (retrain_limit >= 0) j["retrain_limit"] = retrain_limit;
  j["val_fraction"] = val_fraction;
  j["test_limit"] = test_limit;
  j["augment"] = {{"crop_pad", crop_pad}, {"flip", flip}, {"cutout", cutout}};
  if (stream) {
    j["stream"] = true;
    j["min_crop_scale"] = min_crop_scale;
    j["workers"] = workers;
  }
  return j;
}

OptimizerConfig OptimizerConfig::read(Fields& f) {
  OptimizerConfig o;
  o.type = f.get_choice("type", {"sgd", "adam", "adamw"}, o.type);
  o.lr = f.get_number("lr", 1e-8, 100, o.lr);
  if (o.type == "sgd") {
    o.momentum = f.get_number("momentum", 0, 0.999, o.momentum);
    o.nesterov = f.get_bool("nesterov", o.nesterov);
    if (o.nesterov && o.momentum == 0) f.get("nesterov").fail("nesterov needs momentum > 0");
  }
  o.weight_decay = f.get_number("weight_decay", 0, 1, o.weight_decay);
  f.finish();
  return o;
}

json OptimizerConfig::to_json() const {
  json j = {{"type", type}, {"lr", lr}};
  if (type == "sgd") j["momentum"] = momentum, j["nesterov"] = nesterov;
  j["weight_decay"] = weight_decay;
  return j;
}

ScheduleConfig ScheduleConfig::read(Fields& f) {
  ScheduleConfig s;
  s.type = f.get_choice("type", {"cosine", "step", "constant"}, s.type);
  s.warmup_epochs = f.get_number("warmup_epochs", 0, 1000, 0);
  if (s.type == "step") {
    for (auto m : f.get("milestones").as_int_list(1, 100000, 1)) s.milestones.push_back(int(m));
    for (std::size_t i = 1; i < s.milestones.size(); ++i)
      if (s.milestones[i] <= s.milestones[i - 1])
        f.get("milestones").fail("milestones must be increasing");
    s.gamma = f.get_number("gamma", 1e-6, 1, s.gamma);
  }
  if (s.type == "cosine") s.min_lr = f.get_number("min_lr", 0, 100, 0);
  f.finish();
  return s;
}

json ScheduleConfig::to_json() const {
  json j = {{"type", type}, {"warmup_epochs", warmup_epochs}};
  if (type == "step") j["milestones"] = milestones, j["gamma"] = gamma;
  if (type == "cosine") j["min_lr"] = min_lr;
  return j;
}

TrainConfig TrainConfig::read(Fields& f) {
  TrainConfig t;
  t.epochs = int(f.get_int("epochs", 1, 100000, t.epochs));
  t.batch = int(f.get_int("batch", 1, 65536, t.batch));
  if (auto o = f.find("optimizer")) {
    Fields of = o->as_object();
    t.optimizer = OptimizerConfig::read(of);
  }
  if (auto s = f.find("schedule")) {
    Fields sf = s->as_object();
    t.schedule = ScheduleConfig::read(sf);
  }
  t.label_smoothing = f.get_number("label_smoothing", 0, 0.99, 0);
  t.grad_clip = f.get_number("grad_clip", 0, 1e6, 0);
  t.channels_last = f.get_choice("channels_last", {"auto", "on", "off"}, t.channels_last);
  t.amp = f.get_choice("amp", {"off", "bf16"}, t.amp);
  t.sync_bn = f.get_bool("sync_bn", t.sync_bn);
  f.finish();
  return t;
}

json TrainConfig::to_json() const {
  return {{"epochs", epochs},
          {"batch", batch},
          {"optimizer", optimizer.to_json()},
          {"schedule", schedule.to_json()},
          {"label_smoothing", label_smoothing},
          {"grad_clip", grad_clip},
          {"channels_last", channels_last},
          {"amp", amp},
          {"sync_bn", sync_bn}};
}

std::string Constraint::describe() const {
  std::string who = model.empty() ? metric_name(metric) : model + "." + metric_name(metric);
  if (min && max)
    return fmt::format("{} <= {} <= {}", format_number(*min), who, format_number(*max));
  if (max) return fmt::format("{} <= {}", who, format_number(*max));
  return fmt::format("{} >= {}", who, format_number(*min));
}

bool Constraint::satisfied_by(double v) const {
  return !std::isnan(v) && (!max || v <= *max) && (!min || v >= *min);
}

RunConfig read_run_config(std::shared_ptr<const Document> doc) {
  RunConfig c;
  c.doc = doc;
  c.file = doc->file;
  Fields f = Value(*doc, doc->root, "", "").as_object();
  c.name = f.get_string("name", std::filesystem::path(doc->file).stem().string());
  if (c.name.find('/') != std::string::npos || c.name == "." || c.name == "..")
    f.get("name").fail("a run name cannot contain '/' or be '.' or '..'");
  c.seed = std::uint64_t(f.get_int("seed", 0, INT64_MAX, 0));
  c.threads =
      int(f.get_int("threads", 1, 1024, int(std::max(1u, std::thread::hardware_concurrency()))));
  c.out = f.get_string("out", c.out);
  c.space = f.get_string("space", "");
  if (auto d = f.find("data")) {
    Fields df = d->as_object();
    c.data = DataConfig::read(df);
  }
  if (auto cm = f.find("cost_models")) {
    for (auto& [name, v] : cm->as_object().entries()) {
      if (name == "ir")
        v.fail("'ir' is reserved for the MACs/params counts that need no model; pick another name");
      c.cost_models.push_back(read_component(v, name));
    }
  }
  if (auto cs = f.find("constraints"))
    for (const auto& v : cs->as_list(0, 256))
      c.constraints.push_back(read_constraint(v, c.cost_models));
  if (auto st = f.find("strategy")) c.strategy = read_component(*st, "strategy");
  if (auto fi = f.find("fitness")) c.fitness = read_component(*fi, "fitness");
  if (auto t = f.find("train")) {
    Fields tf = t->as_object();
    c.train = TrainConfig::read(tf);
  }
  if (auto r = f.find("retrain")) {
    Fields rf = r->as_object();
    if (rf.has("from")) {
      const Value from = rf.get("from");
      c.retrain_from = from.as_choice({"scratch", "supernet", "grown"});
      if (c.retrain_from == "grown" && c.strategy.type != "growth")
        from.fail(
            fmt::format("grown needs strategy growth to take the net's weights from; "
                        "strategy.type is {}",
                        c.strategy.type.empty() ? "not given" : c.strategy.type));
      if (c.retrain_from == "supernet" && c.strategy.type != "proxyless" &&
          c.strategy.type != "fbnet")
        from.fail(
            fmt::format("supernet needs a supernet strategy (proxyless or fbnet) to take "
                        "the child's weights from; strategy.type is {}",
                        c.strategy.type.empty() ? "not given" : c.strategy.type));
    }
    c.retrain = TrainConfig::read(rf);
  }
  f.finish();
  return c;
}

RunConfig load_run_config(const std::string& path) {
  return read_run_config(std::make_shared<const Document>(load_document(path)));
}

json RunConfig::to_json() const {
  json j = {{"name", name}, {"seed", seed}, {"threads", threads}, {"out", out}};
  if (!space.empty()) j["space"] = space;
  j["data"] = data.to_json();
  json cms = json::object();
  for (const auto& cm : cost_models) cms[cm.name] = cm.options;
  j["cost_models"] = cms;
  json cs = json::array();
  for (const auto& c : constraints) {
    json e = json::object();
    if (!c.model.empty()) e["model"] = c.model;
    e["metric"] = metric_name(c.metric);
    if (c.max) e["max"] = *c.max;
    if (c.min) e["min"] = *c.min;
    cs.push_back(e);
  }
  j["constraints"] = cs;
  if (strategy.node) j["strategy"] = strategy.options;
  if (fitness.node) j["fitness"] = fitness.options;
  j["train"] = train.to_json();
  if (retrain) {
    j["retrain"] = retrain->to_json();
    j["retrain"]["from"] = retrain_from;
  }
  return j;
}

}  // namespace hwnas
