#include "hwnas/accel/dataflow.h"

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
