#include "hwnas/cost/lut_import.h"

#include <cmath>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "hwnas/common/error.h"
#include "hwnas/common/files.h"
#include "hwnas/common/text.h"
#include "hwnas/ir/arch_json.h"

namespace hwnas {
namespace fs = std::filesystem;

Arch LatencyProbe::arch() const {
  Arch a;
  a.name = name;
  a.input = in;
  a.num_classes = layer.op == Op::Linear ? layer.out : 1;
  a.layers = {layer};
  // A join reads the probe's input n times: an add sums n copies; a concat
  // joins n equal parts, so the probe's input is one part.
  const int n = int(layer.inputs.size());
  if (layer.multi_input()) {
    a.layers[0].inputs.assign(n, -1);
    if (layer.op == Op::Concat) {
      if (in.c % n != 0)
        throw InputError(name, fmt::format("a probe of a concat needs {} equal parts of {} "
                                           "channels",
                                           n, in.c));
      a.input.c = in.c / n;
    }
  } else {
    a.layers[0].inputs.clear();
  }
  return a;
}

json ProbeSet::to_json() const {
  json list = json::array();
  for (const auto& p : probes)
    list.push_back({{"probe", p.name},
                    {"file", p.file},
                    {"layer", layer_to_json(p.layer)},
                    {"input", {p.in.c, p.in.h, p.in.w}},
                    {"key", p.key}});
  return {{"format", "hwnas.probes/1"},
          {"space", space},
          {"batch", batch},
          {"opset", opset},
          {"probes", list}};
}

std::string ProbeSet::timings_template() const {
  std::string csv = "probe,latency_ms\n";
  for (const auto& p : probes) csv += p.name + ",\n";
  return csv;
}

ProbeSet make_probe_set(const Space& space, int batch, int opset) {
  ProbeSet set{space.name, batch, opset, {}};
  for (const auto& [layer, in] : distinct_layers(space)) {
    const std::string name = fmt::format("probe-{:03d}", set.probes.size());
    set.probes.push_back({name, name + ".onnx", layer, in, lut_key(layer, in)});
  }
  return set;
}

ProbeSet read_probe_set(const std::string& path, const Space& space) {
  Document doc = load_document(path);
  Fields f = Value(doc, doc.root, "", "").as_object();
  if (f.get_string("format") != "hwnas.probes/1") f.get("format").fail("expected hwnas.probes/1");
  ProbeSet set;
  set.space = f.get_string("space");
  if (set.space != space.name)
    f.get("space").fail(fmt::format("the probes are of space {}, not {}", set.space, space.name));
  set.batch = int(f.get_int("batch", 1, 65536));
  set.opset = int(f.get_int("opset", 1, 1000));
  std::set<std::string> names;
  for (const Value& v : f.get("probes").as_list(1)) {
    Fields p = v.as_object();
    LatencyProbe pr;
    pr.name = p.get_string("probe");
    pr.file = p.get_string("file");
    Fields lf = p.get("layer").as_object();
    pr.layer = read_layer(lf, LayerSyntax::Full);
    auto in = p.get("input").as_int_list(1, 1 << 20, 3, 3);
    pr.in = {int(in[0]), int(in[1]), int(in[2])};
    pr.key = p.get_string("key");
    if (pr.key != lut_key(pr.layer, pr.in))
      p.get("key").fail("does not match the probe's layer and input");
    p.finish();
    if (!names.insert(pr.name).second) v.fail("probe '" + pr.name + "' is listed twice");
    set.probes.push_back(std::move(pr));
  }
  f.finish();
  return set;
}

LatencyTable import_probe_timings(const Space& space, const std::string& csv) {
  require_regular_file(csv);
  const std::string probes_path = (fs::path(csv).parent_path() / "probes.json").string();
  const ProbeSet set = read_probe_set(probes_path, space);
  std::map<std::string, const LatencyProbe*> probes;
  for (const auto& p : set.probes) probes[p.name] = &p;
  std::istringstream in(read_text_file(csv));
  std::string line;
  int line_no = 0;
  auto fail = [&](const std::string& msg) {
    throw InputError(fmt::format("{}:{}", csv, line_no), msg);
  };
  std::getline(in, line);
  ++line_no;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);  // a spreadsheet's byte-order mark
  if (line != "probe,latency_ms")
    fail("expected the header 'probe,latency_ms', got '" + line + "'");
  std::map<std::string, double> ms;
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    const auto comma = line.find(',');
    if (comma == std::string::npos) fail("expected 'probe,latency_ms', got '" + line + "'");
    const std::string name = line.substr(0, comma), value = line.substr(comma + 1);
    if (!probes.count(name)) fail("unknown probe '" + name + "' (not in " + probes_path + ")");
    if (ms.count(name)) fail("probe '" + name + "' is timed twice");
    if (value.empty()) fail("probe '" + name + "' has no latency_ms yet");
    // The range a latency table holds (its validation reads it back).
    const auto v = parse_decimal(value);
    if (!v || *v <= 0 || *v > kMaxLatencyMs)
      fail(
          fmt::format("latency_ms of '{}': expected a decimal number of milliseconds in (0, {}], "
                      "got '{}'",
                      name, kMaxLatencyMs, value));
    ms[name] = *v;
  }
  LatencyTable t;
  t.space = space.name;
  t.statistic = "imported";
  t.device.kind = "imported";
  t.device.cpu_model = "imported from " + csv;
  t.device.batch = set.batch;
  t.protocol = {{"imported", csv}};
  std::map<std::string, std::string> by_key;
  for (const auto& [name, p] : probes) {
    if (!ms.count(name))
      throw InputError(csv, fmt::format("probe '{}' ({} on {}x{}x{}) has no row", name,
                                        layer_summary(p->layer), p->in.c, p->in.h, p->in.w));
    by_key[p->key] = name;
    t.add({p->layer, p->in, ms.at(name), 0.0, 1});
  }
  for (const auto& [layer, shape] : distinct_layers(space))
    if (!by_key.count(lut_key(layer, shape)))
      throw InputError(probes_path,
                       fmt::format("no probe covers {} on {}x{}x{} of space {}",
                                   layer_summary(layer), shape.c, shape.h, shape.w, space.name));
  return t;
}

}  // namespace hwnas
