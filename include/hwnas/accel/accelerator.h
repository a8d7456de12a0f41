#pragma once
// An accelerator design as the user writes it (configs/accel/*.yaml): one
// template with its resources, or several sub-accelerators under a shared
// budget with a mapping of tasks onto them.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "hwnas/accel/dataflow.h"
#include "hwnas/common/document.h"

namespace hwnas::accel {

/// Energies in units of one 8-bit integer MAC (`unit_pj`): a MAC at the
/// design's width costs `mac` x mac_pj(bits) / unit_pj units; a memory access
/// costs the level's figure per 8 bits moved, so bits / 8 times it per element
/// (MAESTRO's relative costs, Eyeriss's DRAM figure).
struct EnergyCosts {
  double mac = 1, l1 = 1.68, l2 = 18.61;
  double dram = 200;      ///< Eyeriss (ISCA 2016, Table IV): DRAM ~200x a MAC
  double unit_pj = 0.23;  ///< an 8-bit int MAC, 45 nm (Horowitz, ISSCC 2014)
  double mac_pj = -1;     ///< one MAC at the design's width; -1: from `bits`
};

/// Area constants in um^2 (45 nm). -1: from `bits`.
struct AreaCosts {
  double mac_um2 = -1;             ///< -1: from `bits` (Horowitz 2014: multiplier + adder)
  double sram_um2_per_bit = 0.69;  ///< 0.346 um^2 6T cell at ~50% array efficiency
  double noc_um2_per_pe = -1;      ///< -1: 20% of a PE's MAC + L1 (assumed, configurable)
};

struct AccelParams {
  std::string source;  ///< the design file it was read from
  std::string name;
  std::string template_name;  ///< nvdla | shidiannao | eyeriss
  std::string dataflow;  ///< kcp_ws | yxp_os | rs (the template's by default), or custom's name
  std::shared_ptr<const Dataflow> custom;  ///< a dataflow written in the design file
  std::int64_t pes = 0;
  std::int64_t cluster = 0;  ///< PEs per cluster; 0: the dataflow's default
  std::int64_t l1_bytes = 0, l2_bytes = 0;
  double noc_bw = 0, offchip_bw = 0;  ///< elements per cycle
  double hop_latency = 1;             ///< cycles
  double clock_mhz = 0;
  int bits = 8;
  int vector_width = 1;  ///< MACs a PE retires per cycle (MAESTRO's vector width)
  EnergyCosts energy;
  AreaCosts area;

  const Dataflow& flow() const;
  /// Bytes one element takes in a buffer or on a bus: sub-byte widths pack.
  double element_bytes() const { return bits / 8.0; }
  /// One MAC at `bits` in pJ: energy.mac_pj, else the integer width law.
  double mac_pj() const;
  double mac_um2() const;
};

/// Template name -> its dataflow.
const std::vector<std::pair<std::string, std::string>>& templates();
std::vector<std::string> template_names();
/// The dataflow template `name` uses ("" when there is no such template).
std::string template_dataflow(const std::string& name);

struct AccelDesign {
  std::string file, name;
  std::vector<AccelParams> subs;  ///< one for a single accelerator
  bool heterogeneous = false;
  std::int64_t budget_pes = 0;  ///< heterogeneous only: totals the subs must stay within
  double budget_offchip_bw = 0;
  /// Layers [first, last] of a task run on sub `sub` (last = -1: to the end).
  struct Segment {
    int first = 0, last = -1, sub = 0;
  };
  /// Per task, its segments in layer order: a whole network on one sub, or
  /// ranges of its layers on several.
  std::vector<std::vector<Segment>> mapping;
  std::vector<std::string> mapping_places;  ///< where each task's entry is written
  std::string mapping_place;                ///< where the mapping is written

  /// The sub each of a task's `layers` layers runs on. Throws InputError when
  /// the task has no entry or its ranges leave layers out, overlap or overrun.
  std::vector<int> layer_subs(int task, const std::string& task_name, int layers) const;
};

/// Reads and validates a design file. Throws InputError naming file:line:col.
AccelDesign load_accel_design(const std::string& path);
/// The same from a parsed document; without `cross_checks`, only each value
/// is checked, not how they go together (design_violation()).
AccelDesign read_accel_design(const Document& doc, bool cross_checks = true);
/// "" when the design's values go together, else why not: a cluster larger
/// than its PEs, subs over the budget's PEs or off-chip bandwidth.
std::string design_violation(const AccelDesign& design);

/// Applies `key=value` overrides (`--set`), e.g. `pes=128`, `energy.dram=100`,
/// or `<sub>.pes=64` in a heterogeneous design; values are validated as in the
/// file and errors name the override.
void apply_overrides(AccelDesign& design, const std::vector<std::string>& sets);
/// One override, its messages naming `where` (a config's `set:` entry).
void apply_override(AccelDesign& design, const std::string& set, const std::string& where);

/// The parameter keys `--set` and `--sweep` accept.
std::vector<std::string> parameter_keys();

}  // namespace hwnas::accel
