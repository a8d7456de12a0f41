#include "hwnas/cost/lut_import.h"

#include <cmath>
#include <filesystem>
#include <map>
#include <sstream>

#include <fmt/format.h>

#include "hwnas/common/error.h"
#include "hwnas/common/files.h"
#include "hwnas/ir/arch_json.h"

namespace hwnas {
namespace fs = std::filesystem;

namespace {

struct Probe {
  Layer layer;
  Shape in;
  std::string key;
};

std::map<std::string, Probe> read_probes(const std::string& path, const Space& space, int& batch) {
  Document doc = load_document(path);
  Fields f = Value(doc, doc.root, "", "").as_object();
  if (f.get_string("format") != "hwnas.probes/1") f.get("format").fail("expected hwnas.probes/1");
  const std::string probe_space = f.get_string("space");
  if (probe_space != space.name)
    f.get("space").fail(fmt::format("the probes are of space {}, not {}", probe_space, space.name));
  batch = int(f.get_int("batch", 1, 65536));
  f.get_int("opset", 1, 1000);
  std::map<std::string, Probe> probes;
  for (const Value& v : f.get("probes").as_list(1)) {
    Fields p = v.as_object();
    const std::string name = p.get_string("probe");
    p.get_string("file");
    Probe pr;
    Fields lf = p.get("layer").as_object();
    pr.layer = read_layer(lf, LayerSyntax::Full);
    auto in = p.get("input").as_int_list(1, 1 << 20, 3, 3);
    pr.in = {int(in[0]), int(in[1]), int(in[2])};
    pr.key = p.get_string("key");
    if (pr.key != lut_key(pr.layer, pr.in))
      p.get("key").fail("does not match the probe's layer and input");
    p.finish();
    if (!probes.emplace(name, pr).second) v.fail("probe '" + name + "' is listed twice");
  }
  f.finish();
  return probes;
}

}  // namespace

LatencyTable import_probe_timings(const Space& space, const std::string& csv) {
  require_regular_file(csv);
  const std::string probes_path = (fs::path(csv).parent_path() / "probes.json").string();
  int batch = 1;
  const auto probes = read_probes(probes_path, space, batch);
  std::istringstream in(read_text_file(csv));
  std::string line;
  int line_no = 0;
  auto fail = [&](const std::string& msg) {
    throw InputError(fmt::format("{}:{}", csv, line_no), msg);
  };
  std::getline(in, line);
  ++line_no;
  if (!line.empty() && line.back() == '\r') line.pop_back();
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
    char* end = nullptr;
    const double v = std::strtod(value.c_str(), &end);
    if (end == value.c_str() || *end != '\0' || !std::isfinite(v) || v <= 0)
      fail("latency_ms of '" + name + "': expected a number of milliseconds > 0, got '" + value +
           "'");
    ms[name] = v;
  }
  LatencyTable t;
  t.space = space.name;
  t.statistic = "imported";
  t.device.kind = "imported";
  t.device.cpu_model = "imported from " + csv;
  t.device.batch = batch;
  t.protocol = {{"imported", csv}};
  std::map<std::string, std::string> by_key;
  for (const auto& [name, p] : probes) {
    if (!ms.count(name))
      throw InputError(csv, fmt::format("probe '{}' ({} on {}x{}x{}) has no row", name,
                                        layer_summary(p.layer), p.in.c, p.in.h, p.in.w));
    by_key[p.key] = name;
    t.add({p.layer, p.in, ms.at(name), 0.0, 1});
  }
  for (const auto& [layer, shape] : distinct_layers(space))
    if (!by_key.count(lut_key(layer, shape)))
      throw InputError(probes_path,
                       fmt::format("no probe covers {} on {}x{}x{} of space {}",
                                   layer_summary(layer), shape.c, shape.h, shape.w, space.name));
  return t;
}

}  // namespace hwnas
