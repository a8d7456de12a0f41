#include "hwnas/cost/latency_table.h"

#include <cmath>
#include <set>

#include <fmt/format.h>

#include "hwnas/common/error.h"
#include "hwnas/common/files.h"
#include "hwnas/common/text.h"
#include "hwnas/ir/arch_json.h"
#include "hwnas/space/space.h"

namespace hwnas {

json DeviceFingerprint::to_json() const {
  json j = {{"kind", kind},       {"cpu_model", cpu_model}, {"cores", cores},
            {"threads", threads}, {"batch", batch},         {"governor", governor}};
  if (kind == "cuda") j["gpu"] = gpu, j["driver"] = driver;
  j["libtorch"] = libtorch;
  j["date"] = date;
  return j;
}

DeviceFingerprint DeviceFingerprint::read(Fields& f) {
  // Text fields may be empty: not every machine tells its CPU model or governor.
  auto text = [&](const char* key) {
    auto v = f.find(key);
    if (!v) return std::string();
    if (!v->raw().is_string()) v->fail("expected a string");
    return v->raw().get<std::string>();
  };
  DeviceFingerprint d;
  d.kind = f.get_choice("kind", {"cpu", "cuda", "imported", "fitted"});
  d.cpu_model = text("cpu_model");
  d.cores = int(f.get_int("cores", 0, 100000, 0));
  d.threads = int(f.get_int("threads", 0, 100000, 0));
  d.batch = int(f.get_int("batch", 1, 1 << 20));
  d.governor = text("governor");
  d.gpu = text("gpu");
  d.driver = text("driver");
  d.libtorch = text("libtorch");
  d.date = text("date");
  f.finish();
  return d;
}

std::string DeviceFingerprint::differences(const DeviceFingerprint& o) const {
  std::vector<std::string> d;
  auto cmp = [&](const char* what, const auto& a, const auto& b) {
    if (a != b) d.push_back(fmt::format("{} {} vs {}", what, a, b));
  };
  cmp("device", kind, o.kind);
  cmp("CPU", cpu_model, o.cpu_model);
  cmp("cores", cores, o.cores);
  cmp("threads", threads, o.threads);
  cmp("batch", batch, o.batch);
  if (kind == "cuda" || o.kind == "cuda") cmp("GPU", gpu, o.gpu);
  return join(d, "; ");
}

std::string lut_key(const Layer& layer, const Shape& in) {
  // Spell out every default, so equal layers written differently share a key.
  Layer l = layer;
  // Where a layer sits in a graph is no part of its cost; how many tensors an
  // add or concat joins is.
  l.inputs.assign(l.multi_input() ? layer.inputs.size() : 0, -1);
  l.stride = l.stride_or_default();
  if (l.out == 0 && (l.op == Op::Skip || l.op == Op::Zero || l.op == Op::None)) l.out = in.c;
  if (l.op == Op::MBConv) {
    l.expand = l.has_expand();
    l.residual = l.residual.value_or(l.stride == 1 && in.c == l.out);
  }
  return fmt::format("{}@{}x{}x{}", layer_to_json(l).dump(), in.c, in.h, in.w);
}

bool is_free_at_inference(const Layer& l, const Shape& in) {
  // NAS-Bench-201's `none` edge only feeds zeros into a sum: a deployed net drops it.
  if (l.op == Op::Zero || l.op == Op::Dropout || l.op == Op::None) return true;
  return l.op == Op::Skip && infer_shape(l, in, "") == in;
}

namespace {

// (layer, input) pairs in first-seen order, each key once, free layers never.
class DistinctLayers {
 public:
  void add(const Layer& l, const Shape& in) {
    if (is_free_at_inference(l, in) || !seen_.insert(lut_key(l, in)).second) return;
    out_.emplace_back(l, in);
  }
  std::vector<std::pair<Layer, Shape>> take() { return std::move(out_); }

 private:
  std::vector<std::pair<Layer, Shape>> out_;
  std::set<std::string> seen_;
};

}  // namespace

std::vector<std::pair<Layer, Shape>> distinct_layers(const Arch& arch) {
  DistinctLayers d;
  const auto shapes = infer_shapes(arch);
  for (std::size_t i = 0; i < arch.layers.size(); ++i) d.add(arch.layers[i], shapes[i].in);
  return d.take();
}

std::vector<std::pair<Layer, Shape>> distinct_layers(const Space& space) {
  DistinctLayers d;
  auto add = [&](const Layer& l, const Shape& in) { d.add(l, in); };
  std::vector<const PositionUse*> use_of(space.skeleton.layers.size(), nullptr);
  for (const auto& p : space.positions)
    for (const auto& u : p.uses) use_of[u.layer_index] = &u;
  const auto shapes = infer_shapes(space.skeleton);
  for (std::size_t i = 0; i < space.skeleton.layers.size(); ++i) {
    if (!use_of[i]) {
      add(space.skeleton.layers[i], shapes[i].in);
    } else {
      for (const auto& l : use_of[i]->layers) add(l, use_of[i]->in);
      for (const auto& l : use_of[i]->strided) add(l, use_of[i]->strided_in);
    }
  }
  // A block cell's output joins 1 to `blocks` sums, so the layers after it
  // see every such width: vary one cell's join at a time (each later layer's
  // width follows one join) and keep every fixed layer whose input changed.
  for (const auto& bc : space.block_cells) {
    Arch a = space.skeleton;
    for (std::size_t k = 1; k < bc.sums.size(); ++k) {
      a.layers[bc.output].inputs.assign(bc.sums.begin(), bc.sums.begin() + k);
      a.layers[bc.output].op = k > 1 ? Op::Concat : Op::Skip;
      const auto varied = infer_shapes(a);
      for (std::size_t i = 0; i < a.layers.size(); ++i)
        if (!use_of[i] && varied[i].in != shapes[i].in) add(a.layers[i], varied[i].in);
    }
  }
  return d.take();
}

const LutEntry* LatencyTable::find(const Layer& layer, const Shape& in) const {
  auto it = index_.find(lut_key(layer, in));
  return it == index_.end() ? nullptr : &entries[it->second];
}

void LatencyTable::add(LutEntry e) {
  auto key = lut_key(e.layer, e.in);
  auto it = index_.find(key);
  if (it != index_.end()) {
    entries[it->second] = std::move(e);
    return;
  }
  index_[key] = entries.size();
  entries.push_back(std::move(e));
}

json LatencyTable::to_json() const {
  json es = json::array();
  for (const auto& e : entries)
    es.push_back({{"layer", layer_to_json(e.layer)},
                  {"input", {e.in.c, e.in.h, e.in.w}},
                  {"value_ms", e.value_ms},
                  {"spread", e.spread},
                  {"repeats", e.repeats}});
  json j = {{"format", kLutFormat},       {"space", space},
            {"statistic", statistic},     {"unit", "ms"},
            {"device", device.to_json()}, {"protocol", protocol}};
  if (live_layers_only) j["layers"] = "live";  // tables of every layer stay as they were
  j["entries"] = std::move(es);
  return j;
}

LatencyTable read_latency_table(const Document& doc) {
  Fields f = Value(doc, doc.root, "", "").as_object();
  LatencyTable t;
  t.file = doc.file;
  auto fmt_v = f.get("format");
  if (fmt_v.as_string() != kLutFormat)
    fmt_v.fail(
        fmt::format("unsupported format '{}'; this hwnas reads {}", fmt_v.as_string(), kLutFormat));
  t.space = f.get_string("space");
  t.statistic = f.get_choice("statistic", {"min", "p10", "p25", "median", "imported", "fitted"});
  f.get_choice("unit", {"ms"});
  Fields df = f.get("device").as_object();
  t.device = DeviceFingerprint::read(df);
  if (auto p = f.find("protocol")) t.protocol = p->as_object().self().raw();  // a mapping
  t.live_layers_only = f.get_choice("layers", {"all", "live"}, "all") == "live";
  for (const auto& v : f.get("entries").as_list(1)) {
    Fields ef = v.as_object();
    Fields lf = ef.get("layer").as_object();
    LutEntry e;
    e.layer = read_layer(lf);
    auto in = ef.get("input").as_int_list(1, 1 << 20, 3, 3);
    e.in = {int(in[0]), int(in[1]), int(in[2])};
    try {
      infer_shape(e.layer, e.in, "");
    } catch (const InputError& err) {
      v.fail(err.message());
    }
    e.value_ms = ef.get_number("value_ms", 0, kMaxLatencyMs);
    e.spread = ef.get_number("spread", 0, 1e6, 0);
    e.repeats = ef.get_int("repeats", 0, INT64_MAX, 0);
    ef.finish();
    if (t.find(e.layer, e.in)) v.fail("duplicate entry for this layer and input");
    t.add(std::move(e));
  }
  f.finish();
  return t;
}

LatencyTable load_latency_table(const std::string& path) {
  return read_latency_table(load_document(path));
}

void save_latency_table(const LatencyTable& t, const std::string& path) {
  write_file_atomic(path, t.to_json().dump(1) + "\n");
}

}  // namespace hwnas
