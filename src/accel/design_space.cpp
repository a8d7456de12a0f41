#include "hwnas/accel/design_space.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "hwnas/common/error.h"

namespace hwnas::accel {

namespace {

// The sub parameters a space may search: the scalars of a design file's sub.
const std::vector<std::string>& searchable() {
  static const std::vector<std::string> keys = {"template",  "pes",    "cluster",     "l1_bytes",
                                                "l2_bytes",  "noc_bw", "offchip_bw",  "hop_latency",
                                                "clock_mhz", "bits",   "vector_width"};
  return keys;
}

double smallest(const DesignSpace& s, int sub, const std::string& param, const json& fixed) {
  for (const auto& c : s.choices)
    if (c.sub == sub && c.key == s.subs[std::size_t(sub)] + "." + param) {
      double lo = HUGE_VAL;
      for (const auto& o : c.options) lo = std::min(lo, o.get<double>());
      return lo;
    }
  return fixed.get<double>();
}

}  // namespace

std::vector<int> DesignSpace::sizes() const {
  std::vector<int> out;
  for (const auto& c : choices) out.push_back(int(c.options.size()));
  return out;
}

double DesignSpace::size() const {
  double n = 1;
  for (const auto& c : choices) n *= double(c.options.size());
  return n;
}

json DesignSpace::design_json(const std::vector<int>& choice) const {
  HWNAS_ASSERT(choice.size() == choices.size(), "design_json: wrong number of choices");
  json root = doc.root;
  for (std::size_t i = 0; i < choices.size(); ++i)
    root[json::json_pointer(choices[i].pointer)] = choices[i].options.at(std::size_t(choice[i]));
  return root;
}

AccelDesign DesignSpace::design(const std::vector<int>& choice) const {
  // The space's marks stay valid: each drawn value sits where its list was.
  Document d{doc.file, design_json(choice), doc.marks};
  return read_accel_design(d, false);
}

DesignSpace load_design_space(const std::string& path, int tasks) {
  DesignSpace s;
  s.doc = load_document(path);
  s.tasks = tasks;
  Fields f = Value(s.doc, s.doc.root, "", "").as_object();
  s.name = f.get_string("name");
  Value subs = f.get("sub_accelerators");
  Fields budget = f.get("budget").as_object();
  s.budget_pes = budget.get_int("pes", 1, std::int64_t(1) << 24);
  s.budget_offchip_bw = budget.get_number("offchip_bw", 1e-6, 1e9);
  const auto subs_list = subs.as_list(1, 64);
  for (std::size_t i = 0; i < subs_list.size(); ++i) {
    Fields sf = subs_list[i].as_object();
    const std::string name = sf.get_string("name");
    s.subs.push_back(name);
    for (const auto& key : searchable()) {
      auto v = sf.find(key);
      if (!v || !v->raw().is_array()) continue;
      const auto options = v->as_list(1, 4096);
      DesignChoice c{name + "." + key, fmt::format("/sub_accelerators/{}/{}", i, key), {}, int(i)};
      for (const Value& o : options) {
        if (o.raw().is_array() || o.raw().is_object())
          o.fail("expected a value (a searched parameter lists plain values)");
        c.options.push_back(o.raw());
      }
      s.choices.push_back(std::move(c));
    }
  }
  Value mapping = f.get("mapping");
  if (mapping.raw().is_string() && mapping.raw().get<std::string>() == "search") {
    // Each task on any sub; the drawn design writes the mapping out.
    json names = json::array();
    for (const auto& n : s.subs) names.push_back(n);
    s.doc.root["mapping"] = json::array();
    const auto mark = s.doc.marks.find("/mapping");
    for (int t = 0; t < tasks; ++t) {
      s.doc.root["mapping"].push_back(s.subs.front());
      if (mark != s.doc.marks.end()) s.doc.marks[fmt::format("/mapping/{}", t)] = mark->second;
      DesignChoice c{fmt::format("mapping[{}]", t), fmt::format("/mapping/{}", t), {}, -1, t};
      for (const auto& n : names) c.options.push_back(n);
      s.choices.push_back(std::move(c));
    }
  } else if (mapping.raw().is_array() && int(mapping.raw().size()) != tasks) {
    mapping.fail(
        fmt::format("maps {} task(s), but the search has {}: give one entry per task, "
                    "or `search` to let each task choose its sub-accelerator",
                    mapping.raw().size(), tasks));
  }
  // Every option read as a design file's value would be (the others at
  // their first option), so a bad value names its list's place.
  for (std::size_t i = 0; i < s.choices.size(); ++i)
    for (std::size_t k = 0; k < s.choices[i].options.size(); ++k) {
      std::vector<int> pick(s.choices.size(), 0);
      pick[i] = int(k);
      (void)s.design(pick);
    }
  // The budget must hold the smallest design.
  const AccelDesign first = s.design(std::vector<int>(s.choices.size(), 0));
  double pes = 0, bw = 0;
  for (std::size_t i = 0; i < s.subs.size(); ++i) {
    pes += smallest(s, int(i), "pes", json(first.subs[i].pes));
    bw += smallest(s, int(i), "offchip_bw", json(first.subs[i].offchip_bw));
  }
  if (pes > double(s.budget_pes))
    budget.get("pes").fail(
        fmt::format("{} PEs cannot hold the sub-accelerators' smallest choices ({} PEs in all)",
                    s.budget_pes, pes));
  if (bw > s.budget_offchip_bw * (1 + 1e-12))
    budget.get("offchip_bw")
        .fail(fmt::format("{} elements/cycle cannot feed the sub-accelerators' smallest choices "
                          "({} in all)",
                          s.budget_offchip_bw, bw));
  return s;
}

}  // namespace hwnas::accel
