#pragma once
// The analytical model: a layer decomposes into primitives (dense, grouped,
// depthwise convolutions and memory-only ops), and each primitive is priced on
// an accelerator by walking its dataflow's loop nest (docs/accelerator-model.md).
#include <array>
#include <cstdint>
#include <string>

#include "hwnas/accel/accelerator.h"
#include "hwnas/common/error.h"
#include "hwnas/ir/arch.h"

namespace hwnas::accel {

struct Primitive {
  enum class Kind { Conv, Depthwise, Memory };
  Kind kind = Kind::Conv;
  const char* what = "";  ///< "conv", "expand", "depthwise", "se", "project", "pool", "add", ...
  /// Loop extents N, K, C, Y, X (output), R, S. Grouped convs hold one group.
  std::array<std::int64_t, kNumDims> dims{};
  int stride = 1, dilation = 1;
  std::int64_t repeat = 1;                   ///< groups, run one after another
  std::int64_t in_elems = 0, out_elems = 0;  ///< memory-only ops: elements read / written
  std::int64_t macs() const;
};

/// At most this many primitives per layer (MBConv with SE and residual: 6).
inline constexpr int kMaxPrimitives = 8;
struct Primitives {
  std::array<Primitive, kMaxPrimitives> items;
  int count = 0;
  void add(const Primitive& p) { items[count++] = p; }
};

/// The primitives `layer` runs as on input `in` (shapes valid). BN and
/// activations are fused and free; skip, zero and dropout cost nothing.
Primitives decompose(const Layer& layer, const Shape& in, int batch = 1);

enum class Bound { Compute, Noc, Offchip };
const char* bound_name(Bound b);

/// Energy in units of one MAC's energy, by where it is spent.
struct EnergyByLevel {
  double mac = 0, l1 = 0, l2 = 0, dram = 0;
  double total() const { return mac + l1 + l2 + dram; }
};

struct LayerCost {
  double cycles = 0;          ///< runtime
  double compute_cycles = 0;  ///< runtime were every transfer free
  double comm_cycles = 0;     ///< summed NoC transfer delays on the critical path
  double offchip_cycles = 0;  ///< DRAM traffic / off-chip bandwidth
  double macs = 0;
  double pe_cycles = 0;  ///< cycles x PEs x lanes: the MACs the array could have done
  double l1_reads = 0, l1_writes = 0, l2_reads = 0, l2_writes = 0;
  double dram_reads = 0, dram_writes = 0;
  double l1_bytes_needed = 0, l2_bytes_needed = 0;  ///< largest over the primitives
  const char *l1_what = "", *l2_what = "";          ///< the primitives that need them
  Bound bound = Bound::Compute;

  /// MACs / (cycles x PEs x vector_width), cycles being the runtime with
  /// every stall: the share of the array's MAC slots used. The one
  /// definition, per layer and (summed MACs over summed slots) per network.
  double utilisation() const { return pe_cycles > 0 ? macs / pe_cycles : 0; }
  /// Sums runtimes and counts; the bound becomes the one whose cycles dominate.
  void add(const LayerCost& o);
};

/// One primitive on one accelerator (no buffer checks).
LayerCost analyze_primitive(const Primitive& p, const AccelParams& hw);

/// A layer on one accelerator: the sum of its primitives.
LayerCost analyze_layer(const Layer& layer, const Shape& in, int batch, const AccelParams& hw);
/// Whether the dataflow's tiles of the layer fit the buffers.
bool fits(const LayerCost& c, const AccelParams& hw);
/// A design whose buffers cannot hold some layer's tiles: an input error of
/// the design (exit 2), and an infeasible point of a sweep.
class BufferError : public InputError {
 public:
  using InputError::InputError;
};

/// Throws BufferError naming `where`, the buffer and the smallest size that works.
[[noreturn]] void buffer_error(const LayerCost& c, const AccelParams& hw, const std::string& where);

/// Energy per level in units of one 8-bit MAC (`energy.unit_pj`): MACs at
/// the design's width, memory accesses by the bits they move.
EnergyByLevel energy_by_level(const LayerCost& c, const AccelParams& hw);
/// Total energy in mJ.
double energy_mj(const LayerCost& c, const AccelParams& hw);
double latency_ms(double cycles, const AccelParams& hw);
/// Die area of one accelerator: PEs (MAC + L1), L2 SRAM and the NoC.
double area_mm2(const AccelParams& hw);

}  // namespace hwnas::accel
