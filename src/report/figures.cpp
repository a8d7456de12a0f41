// Helpers of the report sections: figures out of records, plots of them.
#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "sections.h"

namespace hwnas::report {

std::string fixed(double v, int digits) {
  if (std::isnan(v)) return "-";
  if (std::abs(v) >= 1e4 && std::abs(v) < 1e15 && v == std::floor(v)) {
    std::string d = fmt::format("{:.0f}", std::abs(v)), out;
    for (std::size_t i = 0; i < d.size(); ++i) {
      if (i > 0 && (d.size() - i) % 3 == 0) out += ',';
      out += d[i];
    }
    return v < 0 ? "-" + out : out;
  }
  return fmt::format("{:.{}g}", v, digits);
}
std::string percent(double v) {
  return std::isnan(v) ? "-" : fmt::format("{:.2f}%", 100 * v);
}

Plot plot(std::string title, std::string xlabel, std::string ylabel) {
  Plot p;
  p.title = std::move(title);
  p.xlabel = std::move(xlabel);
  p.ylabel = std::move(ylabel);
  p.width = 900;
  p.height = 500;
  return p;
}

PlotSeries series(std::string title, Points pts, std::string style) {
  PlotSeries s;
  s.title = std::move(title);
  s.points = std::move(pts);
  s.style = std::move(style);
  return s;
}

std::string text_of(const json& j, const std::string& key, const std::string& fallback) {
  if (!j.is_object() || !j.contains(key)) return fallback;
  return j[key].is_string() ? j[key].get<std::string>() : j[key].dump();
}

bool step_event(const json& e) {
  return !e.contains("event");
}
bool epoch_event(const json& e) {
  return text_of(e, "event", "") == "epoch";
}

std::string main_cost_key(const json& config, const std::vector<std::string>& keys) {
  if (keys.empty()) return "";
  if (config.contains("constraints") && config["constraints"].is_array())
    for (const json& c : config["constraints"]) {
      if (!c.is_object() || text_of(c, "metric", "") != "latency_ms") continue;
      const std::string k = text_of(c, "model", "ir") + ".latency_ms";
      if (std::find(keys.begin(), keys.end(), k) != keys.end()) return k;
    }
  for (const auto& k : keys)
    if (k.size() > 11 && k.compare(k.size() - 11, 11, ".latency_ms") == 0) return k;
  return keys[0];
}

json flat(const json& nested) {
  json out = json::object();
  if (!nested.is_object()) return out;
  for (const auto& [m, metrics] : nested.items())
    if (metrics.is_object())
      for (const auto& [k, v] : metrics.items()) out[m + "." + k] = v;
  return out;
}

double bound_on(const json& config, const std::string& key) {
  if (!config.contains("constraints") || !config["constraints"].is_array()) return kNaN;
  for (const json& c : config["constraints"])
    if (c.is_object() && text_of(c, "model", "ir") + "." + text_of(c, "metric", "") == key)
      return number(c, "max");
  return kNaN;
}

std::string fmt_genotype(const json& g) {
  if (!g.is_array()) return g.is_null() ? "-" : g.dump();
  std::string s;
  for (const auto& v : g)
    s += (s.empty() ? "" : ",") + (v.is_string() ? v.get<std::string>() : v.dump());
  return s;
}

}  // namespace hwnas::report
