#include "hwnas/accel/dataflow.h"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

#include "hwnas/common/document.h"
#include "hwnas/common/text.h"

namespace hwnas::accel {

const char* dim_name(Dim d) {
  static const char* names[] = {"N", "K", "C", "Y", "X", "R", "S"};
  return names[static_cast<int>(d)];
}

namespace {

Directive sp(Dim d, int tile) {
  return {d, true, tile};
}
Directive tm(Dim d, int tile) {
  return {d, false, tile};
}

std::vector<Dataflow> make_dataflows() {
  using D = Dim;
  std::vector<Dataflow> out;
  // NVDLA-like, MAESTRO's kcp_ws: output channels over clusters, input channels
  // over the PEs of a cluster (reduced across them); weights stay while the
  // output rows and columns stream past (innermost).
  Dataflow kcp;
  kcp.name = "kcp_ws";
  kcp.summary = "weight-stationary: K over clusters, C over the PEs of a cluster (NVDLA-like)";
  kcp.default_cluster = 64;
  kcp.conv = {Level{{sp(D::K, 1), tm(D::C, kCluster), tm(D::R, kFull), tm(D::S, kFull), tm(D::Y, 1),
                     tm(D::X, 1)}},
              Level{{sp(D::C, 1), tm(D::Y, 1), tm(D::X, 1), tm(D::R, kFull), tm(D::S, kFull)}}};
  // Depthwise: no reduction over C, so channels go over clusters and PEs both.
  kcp.depthwise = {
      Level{{sp(D::C, kCluster), tm(D::Y, 1), tm(D::X, 1), tm(D::R, kFull), tm(D::S, kFull)}},
      Level{{sp(D::C, 1), tm(D::Y, 1), tm(D::X, 1), tm(D::R, kFull), tm(D::S, kFull)}}};
  out.push_back(kcp);

  // ShiDianNao-like, MAESTRO's yxp_os: output rows over clusters, output
  // columns over the PEs of a cluster; each PE keeps its output.
  Dataflow os;
  os.name = "yxp_os";
  os.summary = "output-stationary: output rows over clusters, columns over PEs (ShiDianNao-like)";
  os.default_cluster = 8;
  os.conv = {Level{{tm(D::K, 1), tm(D::C, 1), sp(D::Y, 1), tm(D::X, kCluster)}},
             Level{{sp(D::X, 1), tm(D::R, kFull), tm(D::S, kFull)}}};
  os.depthwise = {Level{{tm(D::C, 1), sp(D::Y, 1), tm(D::X, kCluster)}},
                  Level{{sp(D::X, 1), tm(D::R, kFull), tm(D::S, kFull)}}};
  out.push_back(os);

  // Eyeriss-like, MAESTRO's rs: clusters of R PEs; output rows over clusters,
  // filter rows over the PEs of a cluster (each PE keeps one filter row).
  Dataflow rs;
  rs.name = "rs";
  rs.summary =
      "row-stationary: output rows over clusters of R PEs, filter rows over PEs (Eyeriss-like)";
  rs.default_cluster = 0;
  rs.conv = {Level{{sp(D::Y, 1), tm(D::X, 1), tm(D::C, 1), tm(D::K, 16), tm(D::R, kFull),
                    tm(D::S, kFull)}},
             Level{{sp(D::R, 1), tm(D::S, kFull)}}};
  rs.depthwise = {Level{{sp(D::Y, 1), tm(D::X, 1), tm(D::C, 1), tm(D::R, kFull), tm(D::S, kFull)}},
                  Level{{sp(D::R, 1), tm(D::S, kFull)}}};
  out.push_back(rs);
  return out;
}

}  // namespace

namespace {

const std::vector<std::string>& dim_names() {
  static const std::vector<std::string> names = {"N", "K", "C", "Y", "X", "R", "S"};
  return names;
}

Directive read_directive(const Value& v) {
  const std::vector<std::string> words = split(v.as_string(), ' ');
  std::vector<std::string> w;
  for (const auto& x : words)
    if (!x.empty()) w.push_back(x);
  const std::string form = "expected 'spatial|temporal <N|K|C|Y|X|R|S> <count|full|cluster>'";
  if (w.size() != 3) v.fail(form + ", e.g. 'spatial K 1'");
  if (w[0] != "spatial" && w[0] != "temporal")
    v.fail(fmt::format("'{}' is neither spatial nor temporal; {}", w[0], form));
  Directive d{Dim::N, w[0] == "spatial", kFull};
  const auto& names = dim_names();
  const auto it = std::find(names.begin(), names.end(), w[1]);
  if (it == names.end())
    v.fail(fmt::format("unknown dimension '{}'; expected one of {}", w[1], join(names)));
  d.dim = static_cast<Dim>(it - names.begin());
  if (w[2] == "full") {
    d.tile = kFull;
  } else if (w[2] == "cluster") {
    d.tile = kCluster;
  } else {
    int n = 0;
    const auto r = std::from_chars(w[2].data(), w[2].data() + w[2].size(), n);
    if (r.ec != std::errc() || r.ptr != w[2].data() + w[2].size() || n < 1 || n > (1 << 20))
      v.fail(fmt::format("tile '{}': expected a count in [1, 1048576], 'full' or 'cluster'", w[2]));
    d.tile = n;
  }
  return d;
}

Level read_level(const Value& v, bool depthwise) {
  Level level;
  int spatial = 0;
  std::array<bool, kNumDims> seen{};
  for (const Value& item : v.as_list(1, 16)) {
    const Directive d = read_directive(item);
    const int i = static_cast<int>(d.dim);
    if (seen[i])
      item.fail(fmt::format("dimension {} is named twice in this level", dim_name(d.dim)));
    if (depthwise && d.dim == Dim::K)
      item.fail("a depthwise layer has no K (its output channel is C)");
    seen[i] = true;
    spatial += d.spatial;
    level.directives.push_back(d);
  }
  if (spatial != 1)
    v.fail(
        fmt::format("a level spreads exactly one dimension over its units; this one has {} "
                    "spatial directives",
                    spatial));
  return level;
}

std::array<Level, 2> read_levels(const Value& v, bool depthwise) {
  Fields f = v.as_object();
  std::array<Level, 2> levels{read_level(f.get("clusters"), depthwise),
                              read_level(f.get("pes"), depthwise)};
  f.finish();
  return levels;
}

}  // namespace

Dataflow read_dataflow(const Value& v) {
  Fields f = v.as_object();
  Dataflow d;
  d.name = f.get_string("name");
  if (find_dataflow(d.name) != nullptr)
    f.get("name").fail(fmt::format("'{}' is a built-in dataflow; give yours another name", d.name));
  d.summary = "user-defined";
  d.default_cluster = int(f.get_int("cluster", 0, 1 << 24, 0));
  d.conv = read_levels(f.get("conv"), false);
  if (auto dw = f.find("depthwise")) {
    d.depthwise = read_levels(*dw, true);
  } else {  // the conv mapping without its K directives, as MAESTRO's depthwise files do
    d.depthwise = d.conv;
    for (Level& l : d.depthwise) {
      auto& ds = l.directives;
      ds.erase(
          std::remove_if(ds.begin(), ds.end(), [](const Directive& x) { return x.dim == Dim::K; }),
          ds.end());
      if (std::none_of(ds.begin(), ds.end(), [](const Directive& x) { return x.spatial; }))
        f.get("conv").fail(
            "its K directive is a level's only spatial one, so depthwise layers "
            "(which have no K) need their own 'depthwise:' mapping");
    }
  }
  f.finish();
  return d;
}

const std::vector<Dataflow>& dataflows() {
  static const std::vector<Dataflow> all = make_dataflows();
  return all;
}

const Dataflow* find_dataflow(const std::string& name) {
  for (const auto& d : dataflows())
    if (d.name == name) return &d;
  return nullptr;
}

std::vector<std::string> dataflow_names() {
  std::vector<std::string> out;
  for (const auto& d : dataflows()) out.push_back(d.name);
  return out;
}

}  // namespace hwnas::accel
