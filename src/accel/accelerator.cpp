#include "hwnas/accel/accelerator.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "hwnas/common/error.h"
#include "hwnas/common/text.h"

namespace hwnas::accel {

const std::vector<std::pair<std::string, std::string>>& templates() {
  static const std::vector<std::pair<std::string, std::string>> t = {
      {"nvdla", "kcp_ws"}, {"shidiannao", "yxp_os"}, {"eyeriss", "rs"}};
  return t;
}

std::string template_dataflow(const std::string& name) {
  for (const auto& [t, flow] : templates())
    if (t == name) return flow;
  return "";
}

std::vector<std::string> template_names() {
  std::vector<std::string> out;
  for (const auto& [name, _] : templates()) out.push_back(name);
  return out;
}

const Dataflow& AccelParams::flow() const {
  if (custom) return *custom;
  const Dataflow* d = find_dataflow(dataflow);
  HWNAS_ASSERT(d != nullptr, "unvalidated dataflow name " + dataflow);
  return *d;
}

namespace {

// Horowitz, "Computing's energy problem", ISSCC 2014 (45 nm, 0.9 V), integer
// units at 8 and 32 bits: a multiply 0.2 / 3.1 pJ and 282 / 3495 um^2, an add
// 0.03 / 0.1 pJ and 36 / 137 um^2. Between and beyond, each follows the power
// law through its two points (a multiplier grows about with the square of
// its width, an adder about linearly).
double width_law(double at8, double at32, int bits) {
  return at8 * std::pow(bits / 8.0, std::log(at32 / at8) / std::log(4.0));
}

}  // namespace

double AccelParams::mac_pj() const {
  if (energy.mac_pj >= 0) return energy.mac_pj;
  return width_law(0.2, 3.1, bits) + width_law(0.03, 0.1, bits);
}

double AccelParams::mac_um2() const {
  if (area.mac_um2 >= 0) return area.mac_um2;
  return width_law(282, 3495, bits) + width_law(36, 137, bits);
}

std::vector<std::string> parameter_keys() {
  return {"template",
          "dataflow",
          "pes",
          "cluster",
          "l1_bytes",
          "l2_bytes",
          "noc_bw",
          "offchip_bw",
          "hop_latency",
          "clock_mhz",
          "bits",
          "energy.mac",
          "energy.l1",
          "energy.l2",
          "energy.dram",
          "energy.unit_pj",
          "energy.mac_pj",
          "area.mac_um2",
          "area.sram_um2_per_bit",
          "area.noc_um2_per_pe"};
}

namespace {

constexpr std::int64_t kMaxPes = 1 << 24;

/// Reads the parameters present in `f` over `p`; with `required`, the core
/// resources must all be given (a design file), otherwise any subset (--set).
void read_params(Fields& f, AccelParams& p, bool required) {
  auto integer = [&](const char* key, std::int64_t lo, std::int64_t hi, std::int64_t& v) {
    v = required ? f.get_int(key, lo, hi) : f.get_int(key, lo, hi, v);
  };
  auto number = [&](Fields& g, const char* key, double lo, double hi, double& v, bool need) {
    v = need ? g.get_number(key, lo, hi) : g.get_number(key, lo, hi, v);
  };
  if (auto t = f.find("template")) {
    p.template_name = t->as_choice(template_names());
    p.dataflow = template_dataflow(p.template_name);
    p.custom.reset();
  } else if (required) {
    f.get("template");  // reports the missing key
  }
  if (auto d = f.find("dataflow")) {
    if (d->is_object()) {
      p.custom = std::make_shared<const Dataflow>(read_dataflow(*d));
      p.dataflow = p.custom->name;
    } else {
      p.dataflow = d->as_choice(dataflow_names());
      p.custom.reset();
    }
  }
  integer("pes", 1, kMaxPes, p.pes);
  p.cluster = f.get_int("cluster", 0, kMaxPes, p.cluster);
  integer("l1_bytes", 1, std::int64_t(1) << 30, p.l1_bytes);
  integer("l2_bytes", 1, std::int64_t(1) << 40, p.l2_bytes);
  number(f, "noc_bw", 1e-6, 1e9, p.noc_bw, required);
  number(f, "offchip_bw", 1e-6, 1e9, p.offchip_bw, required);
  number(f, "hop_latency", 0, 1e6, p.hop_latency, false);
  number(f, "clock_mhz", 1e-3, 1e6, p.clock_mhz, required);
  p.bits = int(f.get_int("bits", 1, 64, p.bits));
  p.vector_width = int(f.get_int("vector_width", 1, 1024, p.vector_width));
  if (auto e = f.find("energy")) {
    Fields g = e->as_object();
    number(g, "mac", 0, 1e9, p.energy.mac, false);
    number(g, "l1", 0, 1e9, p.energy.l1, false);
    number(g, "l2", 0, 1e9, p.energy.l2, false);
    number(g, "dram", 0, 1e9, p.energy.dram, false);
    number(g, "unit_pj", 1e-6, 1e6, p.energy.unit_pj, false);
    if (g.has("mac_pj")) p.energy.mac_pj = g.get_number("mac_pj", 0, 1e6);
    g.finish();
  }
  if (auto a = f.find("area")) {
    Fields g = a->as_object();
    if (g.has("mac_um2")) p.area.mac_um2 = g.get_number("mac_um2", 0, 1e9);
    number(g, "sram_um2_per_bit", 0, 1e6, p.area.sram_um2_per_bit, false);
    if (g.has("noc_um2_per_pe")) p.area.noc_um2_per_pe = g.get_number("noc_um2_per_pe", 0, 1e9);
    g.finish();
  }
}

}  // namespace

std::string design_violation(const AccelDesign& d) {
  std::int64_t pes = 0;
  double bw = 0;
  for (const AccelParams& p : d.subs) {
    const std::string who = d.heterogeneous ? fmt::format("sub-accelerator '{}': ", p.name) : "";
    if (p.cluster > p.pes)
      return fmt::format("{}cluster ({}) is larger than pes ({})", who, p.cluster, p.pes);
    pes += p.pes;
    bw += p.offchip_bw;
  }
  if (!d.heterogeneous) return "";
  if (pes > d.budget_pes)
    return fmt::format("the sub-accelerators use {} PEs, over the budget of {} (budget.pes)", pes,
                       d.budget_pes);
  if (bw > d.budget_offchip_bw * (1 + 1e-12))
    return fmt::format(
        "the sub-accelerators use {} elements/cycle of off-chip bandwidth, over "
        "the budget of {} (budget.offchip_bw)",
        bw, d.budget_offchip_bw);
  return "";
}

namespace {

/// Checks across fields; `where` names the file or the override.
void validate(const AccelDesign& d, const std::string& where) {
  const std::string why = design_violation(d);
  if (!why.empty()) throw InputError(where, why);
}

int find_sub(const AccelDesign& d, const std::string& name) {
  for (std::size_t i = 0; i < d.subs.size(); ++i)
    if (d.subs[i].name == name) return int(i);
  return -1;
}

std::vector<std::string> sub_names(const AccelDesign& d) {
  std::vector<std::string> out;
  for (const auto& s : d.subs) out.push_back(s.name);
  return out;
}

}  // namespace

std::vector<int> AccelDesign::layer_subs(int task, const std::string& task_name, int layers) const {
  if (!heterogeneous) return std::vector<int>(std::size_t(layers), 0);
  const std::string who = fmt::format("task {} ('{}', {} layers)", task, task_name, layers);
  if (task >= int(mapping.size()))
    throw InputError(mapping_place,
                     fmt::format("{} is not mapped to a sub-accelerator: the mapping has {} "
                                 "entries; add one naming one of: {}",
                                 who, mapping.size(), join(sub_names(*this))));
  std::vector<int> subs;
  for (const Segment& seg : mapping[task]) {
    const int last = seg.last < 0 ? layers - 1 : seg.last;
    if (seg.first != int(subs.size()) || last >= layers || last < seg.first)
      throw InputError(mapping_places[task],
                       seg.first > int(subs.size())
                           ? fmt::format("{}: layers {}-{} are not mapped to a sub-accelerator",
                                         who, subs.size(), seg.first - 1)
                           : fmt::format("{}: the range [{}, {}] {}", who, seg.first, seg.last,
                                         last >= layers ? "runs past the last layer"
                                                        : "overlaps the one before or is empty"));
    subs.insert(subs.end(), std::size_t(last - seg.first + 1), seg.sub);
  }
  if (int(subs.size()) < layers)
    throw InputError(mapping_places[task],
                     fmt::format("{}: layers {}-{} are not mapped to a sub-accelerator", who,
                                 subs.size(), layers - 1));
  return subs;
}

AccelDesign load_accel_design(const std::string& path) {
  return read_accel_design(load_document(path));
}

AccelDesign read_accel_design(const Document& doc, bool cross_checks) {
  const std::string& path = doc.file;
  Value root(doc, doc.root, "", "");
  Fields f = root.as_object();
  AccelDesign d;
  d.file = path;
  d.name = f.get_string("name");
  if (auto subs = f.find("sub_accelerators")) {
    d.heterogeneous = true;
    Fields budget = f.get("budget").as_object();
    d.budget_pes = budget.get_int("pes", 1, kMaxPes);
    d.budget_offchip_bw = budget.get_number("offchip_bw", 1e-6, 1e9);
    budget.finish();
    for (const Value& v : subs->as_list(1, 64)) {
      Fields s = v.as_object();
      AccelParams p;
      p.source = path;
      p.name = s.get_string("name");
      if (find_sub(d, p.name) >= 0)
        s.get("name").fail("two sub-accelerators are named '" + p.name + "'");
      read_params(s, p, true);
      s.finish();
      d.subs.push_back(p);
    }
    Value mapping = f.get("mapping");
    d.mapping_place = mapping.place();
    auto sub_named = [&](const Value& v) {
      const std::string name = v.as_string();
      const int i = find_sub(d, name);
      if (i < 0)
        v.fail(fmt::format("no sub-accelerator is named '{}'; the design has: {}", name,
                           join(sub_names(d))));
      return i;
    };
    // A task's entry: a sub's name (the whole network), or a list of
    // {layers: [first, last], sub: name} ranges in layer order.
    for (const Value& m : mapping.as_list(1, 1024)) {
      d.mapping_places.push_back(m.place());
      std::vector<AccelDesign::Segment> segs;
      if (m.raw().is_string()) {
        segs.push_back({0, -1, sub_named(m)});
      } else {
        for (const Value& r : m.as_list(1, 4096)) {
          Fields rf = r.as_object();
          const auto range = rf.get("layers").as_int_list(0, 1 << 20, 2, 2);
          segs.push_back({int(range[0]), int(range[1]), sub_named(rf.get("sub"))});
          rf.finish();
        }
      }
      d.mapping.push_back(segs);
    }
  } else {
    AccelParams p;
    p.source = path;
    p.name = d.name;
    read_params(f, p, true);
    d.subs.push_back(p);
  }
  f.finish();
  if (cross_checks) validate(d, path);
  return d;
}

void apply_override(AccelDesign& d, const std::string& set, const std::string& where) {
  const auto eq = set.find('=');
  if (eq == std::string::npos || eq == 0)
    throw InputError(where,
                     "expected key=value, e.g. pes=128 (keys: " + join(parameter_keys()) + ")");
  std::string key = set.substr(0, eq);
  const std::string value = set.substr(eq + 1);
  AccelParams* target = &d.subs[0];
  if (d.heterogeneous) {
    const auto dot = key.find('.');
    const int i = dot == std::string::npos ? -1 : find_sub(d, key.substr(0, dot));
    if (i < 0)
      throw InputError(where,
                       "in a heterogeneous design a key names its sub-accelerator "
                       "first, e.g. " +
                           d.subs[0].name + ".pes=128; the design has: " + join(sub_names(d)));
    target = &d.subs[i];
    key = key.substr(dot + 1);
  }
  // The value alone is read as one YAML scalar and the document built from
  // it, so no text of the user's can add keys (", mac: 1" or a newline).
  const bool word = !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
  });
  if (!word || key.front() == '.' || key.back() == '.' ||
      std::count(key.begin(), key.end(), '.') > 1)
    throw InputError(where, "expected key=value with a key like pes or energy.dram (keys: " +
                                join(parameter_keys()) + ")");
  if (value.empty()) throw InputError(where, "expected a value after '='");
  const Document scalar = parse_yaml(value, where);
  if (!scalar.root.is_primitive() || scalar.root.is_null())
    throw InputError(where, "expected one number or word after '=', not a list or mapping");
  Document doc;
  doc.file = where;
  const auto dot = key.find('.');
  doc.root = dot == std::string::npos
                 ? json{{key, scalar.root}}
                 : json{{key.substr(0, dot), json{{key.substr(dot + 1), scalar.root}}}};
  Value root(doc, doc.root, "", "");
  Fields f = root.as_object();
  read_params(f, *target, false);
  f.finish();
  validate(d, where);
}

void apply_overrides(AccelDesign& d, const std::vector<std::string>& sets) {
  for (const std::string& set : sets) apply_override(d, set, "--set " + set);
}

}  // namespace hwnas::accel
