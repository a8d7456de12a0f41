#include "hwnas/accel/analysis.h"

#include <algorithm>
#include <cmath>
#include <optional>

#include <fmt/format.h>

#include "hwnas/common/error.h"

namespace hwnas::accel {

namespace {

using Ext = std::array<double, kNumDims>;
enum Tensor { kW, kI, kO };
constexpr int kN = 0, kK = 1, kC = 2, kY = 3, kX = 4, kR = 5, kS = 6;

struct Geometry {
  int stride = 1, dilation = 1;
  bool depthwise = false;
};

/// Which loop dimensions index each tensor (a bit per Dim).
unsigned coupled(const Geometry& g, int tensor) {
  auto bit = [](int d) { return 1u << d; };
  switch (tensor) {
    case kW:
      return (g.depthwise ? 0 : bit(kK)) | bit(kC) | bit(kR) | bit(kS);
    case kI:
      return bit(kN) | bit(kC) | bit(kY) | bit(kX) | bit(kR) | bit(kS);
    default:
      return bit(kN) | (g.depthwise ? bit(kC) : bit(kK)) | bit(kY) | bit(kX);
  }
}

/// Input rows touched by `out` output rows through `k` filter rows.
double span(double out, double k, const Geometry& g) {
  if (out <= 0 || k <= 0) return 0;
  return (out - 1) * g.stride + (k - 1) * g.dilation + 1;
}

double footprint(const Geometry& g, int tensor, const Ext& e) {
  switch (tensor) {
    case kW:
      return (g.depthwise ? 1 : e[kK]) * e[kC] * e[kR] * e[kS];
    case kI:
      return e[kN] * e[kC] * span(e[kY], e[kR], g) * span(e[kX], e[kS], g);
    default:
      return e[kN] * (g.depthwise ? e[kC] : e[kK]) * e[kY] * e[kX];
  }
}

/// MAESTRO's NoC delay: the head crosses the hops, the rest pipelines behind.
double transfer_delay(double elements, const AccelParams& hw) {
  if (elements <= 0) return 0;
  return hw.hop_latency + std::max(0.0, std::ceil(elements / hw.noc_bw - 1e-9) - 1);
}

/// The share of an input tile that is new when a window of `e` slides one
/// tile along Y or X.
double fresh(const Geometry& g, const Ext& e, int d) {
  const double rows = span(e[d], e[d == kY ? kR : kS], g);
  return std::min(1.0, g.stride * e[d] / rows);
}

/// ceil(a / b) for the whole-number extents and tiles the levels deal in.
double ceil_div(double a, double b) {
  const auto q = static_cast<std::int64_t>(a / b);
  return double(q) * b < a ? double(q + 1) : double(q);
}

struct Loop {
  int d;
  bool spatial;
  double n;
};

/// One level's walk over the extents it receives.
struct LevelPlan {
  std::array<Loop, kNumDims> loops;
  int nloops = 0;
  Ext child_full;  ///< a unit's tile in a full step
  Ext unit_avg;    ///< a unit's tile, averaged over the steps (edges included)
  Ext union_avg;   ///< all units' tiles together, averaged over the steps
  Ext union_full;  ///< all units' tiles together in a full step
  double steps = 1, active = 1;
};

struct Hierarchy {
  const std::array<Level, 2>* levels;
  std::array<double, 2> units;  ///< clusters, PEs per cluster
  double cluster;               ///< tile value of kCluster
  /// Per level and dimension, the directive on it (-1: none).
  std::array<std::array<signed char, kNumDims>, 2> index;

  Hierarchy(const std::array<Level, 2>& lv, double clusters, double per_cluster)
      : levels(&lv), units{clusters, per_cluster}, cluster(per_cluster) {
    for (int l = 0; l < 2; ++l) {
      index[l].fill(-1);
      const auto& ds = lv[l].directives;
      for (std::size_t i = 0; i < ds.size(); ++i)
        index[l][static_cast<int>(ds[i].dim)] = static_cast<signed char>(i);
    }
  }
};

double resolve(int tile, double parent, double cluster) {
  double t = tile == kFull ? parent : tile == kCluster ? cluster : double(tile);
  return std::max(1.0, std::min(t, parent));
}

LevelPlan plan_level(const Hierarchy& h, int l, const Ext& parent) {
  LevelPlan p;
  p.child_full = p.unit_avg = p.union_avg = p.union_full = parent;
  for (const Directive& dir : (*h.levels)[l].directives) {
    const int d = static_cast<int>(dir.dim);
    const double T = parent[d], t = resolve(dir.tile, T, h.cluster);
    p.child_full[d] = t;
    double n;
    if (dir.spatial) {
      const double U = h.units[l];
      n = ceil_div(T, U * t);
      const double per_fold = T / n;
      p.active = std::min(U, ceil_div(per_fold, t));
      p.unit_avg[d] = per_fold / p.active;
      p.union_avg[d] = per_fold;
      p.union_full[d] = std::min(U * t, T);
    } else {
      n = ceil_div(T, t);
      p.unit_avg[d] = p.union_avg[d] = T / n;
      p.union_full[d] = t;
    }
    p.loops[p.nloops++] = {d, dir.spatial, n};
    p.steps *= n;
  }
  return p;
}

/// Compute cycles along one dimension from level l down, for extent T: a
/// spatial level's critical unit holds a full tile, a temporal one walks all.
double dim_work(const Hierarchy& h, int l, int d, double T) {
  if (l == 2) return T;
  const int i = h.index[l][d];
  if (i < 0) return dim_work(h, l + 1, d, T);
  const Directive& dir = (*h.levels)[l].directives[i];
  const double t = resolve(dir.tile, T, h.cluster);
  if (dir.spatial) return ceil_div(T, h.units[l] * t) * dim_work(h, l + 1, d, t);
  const double n = ceil_div(T, t), rest = T - (n - 1) * t;
  if (rest == t) return n * dim_work(h, l + 1, d, t);
  return (n - 1) * dim_work(h, l + 1, d, t) + dim_work(h, l + 1, d, rest);
}

/// Compute cycles of level l over extents T (the cycles separate by dimension).
double work(const Hierarchy& h, int l, const Ext& T) {
  double w = 1;
  for (int d = 0; d < kNumDims; ++d) w *= dim_work(h, l, d, T[d]);
  return w;
}

struct LevelResult {
  double compute = 0;                  ///< the steps' compute alone
  double busy = 0;                     ///< compute and steady-state transfers, all steps
  double fill = 0;                     ///< the first step's delivery, which nothing hides
  double comm = 0;                     ///< transfer delays summed (fill included), for the bound
  std::array<double, 3> ingress{};     ///< W, I delivered (multicast once); O written back
  double pe_ingress = 0;               ///< W + I written into PEs, summed over PEs
  double pe_first = 0;                 ///< of which the first step's
  double need_union = 0, need_pe = 0;  ///< level 0: one full step's tiles (all units; a PE)
  Ext pe_avg, pe_full;                 ///< a PE's tile, averaged and full
  double pe_active = 1;                ///< PEs busy in a step
  double runtime() const { return busy + fill; }
};

/// Walks level l over `parent` (`parent_work` = work(h, l, parent)). A level
/// double-buffers: while a step runs, the next step's new data arrives and the
/// previous outputs leave, so a step costs the slowest of the three. As in
/// MAESTRO, a step of the outer level runs one whole pass of the inner level,
/// whose first delivery into the PEs is not hidden (docs/accelerator-model.md).
/// A PE retires `vector_width` MACs per cycle.
LevelResult run_level(const Hierarchy& h, const Geometry& g, const AccelParams& hw, int l,
                      const Ext& parent, double parent_work) {
  const LevelPlan p = plan_level(h, l, parent);
  LevelResult r;
  // What one PE holds, and how many PEs are busy, while this level steps:
  // PEs keep the parts of their tiles that a step does not change.
  r.pe_avg = p.unit_avg;
  r.pe_full = p.child_full;
  r.pe_active = p.active;
  double child_time, child_compute, child_work, child_comm = 0, child_pe_steady = 0;
  if (l == 1) {
    child_work = work(h, 2, p.child_full);
    child_time = child_compute = std::ceil(child_work / hw.vector_width - 1e-9);
  } else {
    child_work = work(h, 1, p.child_full);
    const LevelResult inner = run_level(h, g, hw, 1, p.child_full, child_work);
    child_time = inner.runtime();
    child_compute = inner.compute;
    child_comm = inner.comm;
    child_pe_steady = inner.pe_ingress - inner.pe_first;
    r.pe_avg = inner.pe_avg;
    r.pe_full = inner.pe_full;
    r.pe_active *= inner.pe_active;
  }
  // Steps at the edges hold smaller tiles: scale the child's time by the
  // average work per step relative to a full step.
  const double edge = parent_work / (p.steps * child_work);
  const double c = child_time * edge;
  r.compute = p.steps * child_compute * edge;

  if (l == 0)  // the buffers' sizes: all clusters' tiles in L2, one PE's in L1
    for (int t : {kW, kI, kO}) {
      r.need_union += footprint(g, t, p.union_full);
      r.need_pe += footprint(g, t, r.pe_full);
    }
  // One step's tiles, all units together and in one PE (the same every step).
  const std::array<double, 3> vol{footprint(g, kW, p.union_avg), footprint(g, kI, p.union_avg),
                                  footprint(g, kO, p.union_avg)};
  const std::array<double, 2> pe_vol{footprint(g, kW, r.pe_avg), footprint(g, kI, r.pe_avg)};
  double first = 0;
  for (int t : {kW, kI}) {
    r.ingress[t] = vol[t];
    first += vol[t];
    r.pe_first += pe_vol[t] * r.pe_active;
  }
  r.pe_ingress = r.pe_first + p.steps * child_pe_steady * p.active;
  r.fill = transfer_delay(first, hw);
  r.busy = c;
  r.comm = r.fill + p.steps * child_comm;

  // changed[j]: the dimensions that move when loop j advances (it and the
  // loops inside it that have more than one step reset).
  std::array<unsigned, kNumDims + 1> changed{};
  for (int j = p.nloops - 1; j >= 0; --j)
    changed[j] = changed[j + 1] | (p.loops[j].n > 1 ? 1u << p.loops[j].d : 0u);
  double before = 1;  // iterations of the loops outside loop j
  for (int j = 0; j < p.nloops; ++j) {
    const Loop& loop = p.loops[j];
    if (loop.n <= 1) continue;
    const double count = before * (loop.n - 1);
    before *= loop.n;
    double in = 0;
    for (int t : {kW, kI}) {
      const unsigned hit = changed[j] & coupled(g, t);
      if (!hit) continue;  // stationary: the units keep their tile
      // Sliding window: the rows (columns) already held stay.
      const bool slides =
          t == kI && hit == (1u << loop.d) && !loop.spatial && (loop.d == kY || loop.d == kX);
      const double v = vol[t] * (slides ? fresh(g, p.union_avg, loop.d) : 1);
      in += v;
      r.ingress[t] += count * v;
      r.pe_ingress += count * r.pe_active * pe_vol[t] * (slides ? fresh(g, r.pe_avg, loop.d) : 1);
    }
    const double out = (changed[j] & coupled(g, kO)) ? vol[kO] : 0;
    r.ingress[kO] += count * out;
    const double din = transfer_delay(in, hw), dout = transfer_delay(out, hw);
    r.busy += count * std::max({c, din, dout});
    r.comm += count * std::max(din, dout);
  }
  r.ingress[kO] += vol[kO];  // the last tile leaves too
  return r;
}

/// Pooling, SE scaling, residual adds: their data streams from L2 through the
/// array and back (from and to DRAM when it does not fit L2); no MACs.
LayerCost memory_op(const Primitive& p, const AccelParams& hw) {
  LayerCost c;
  const double in = double(p.in_elems) * p.repeat, out = double(p.out_elems) * p.repeat;
  c.l2_reads = in;
  c.l2_writes = out;
  c.l1_writes = in;
  c.l1_reads = in;
  const double capacity = double(hw.l2_bytes) / hw.element_bytes();
  if (in + out > capacity) {
    c.dram_reads = in;
    c.dram_writes = out;
  }
  c.comm_cycles = transfer_delay(std::max(in, out), hw);
  c.offchip_cycles = (c.dram_reads + c.dram_writes) / hw.offchip_bw;
  c.cycles = std::ceil(std::max(c.comm_cycles, c.offchip_cycles));  // whole cycles
  c.pe_cycles = c.cycles * double(hw.pes) * hw.vector_width;        // the PEs wait
  c.bound = c.offchip_cycles > c.comm_cycles ? Bound::Offchip : Bound::Noc;
  return c;
}

}  // namespace

std::int64_t Primitive::macs() const {
  if (kind == Kind::Memory) return 0;
  std::int64_t m = repeat;
  for (std::int64_t d : dims) m *= d;
  return m;
}

const char* bound_name(Bound b) {
  switch (b) {
    case Bound::Compute:
      return "compute";
    case Bound::Noc:
      return "noc";
    default:
      return "offchip";
  }
}

void LayerCost::add(const LayerCost& o) {
  cycles += o.cycles;
  compute_cycles += o.compute_cycles;
  comm_cycles += o.comm_cycles;
  offchip_cycles += o.offchip_cycles;
  macs += o.macs;
  pe_cycles += o.pe_cycles;
  l1_reads += o.l1_reads;
  l1_writes += o.l1_writes;
  l2_reads += o.l2_reads;
  l2_writes += o.l2_writes;
  dram_reads += o.dram_reads;
  dram_writes += o.dram_writes;
  l1_bytes_needed = std::max(l1_bytes_needed, o.l1_bytes_needed);
  l2_bytes_needed = std::max(l2_bytes_needed, o.l2_bytes_needed);
  bound = offchip_cycles >= std::max(compute_cycles, comm_cycles) ? Bound::Offchip
          : compute_cycles >= comm_cycles                         ? Bound::Compute
                                                                  : Bound::Noc;
}

LayerCost analyze_primitive(const Primitive& p, const AccelParams& hw) {
  if (p.kind == Primitive::Kind::Memory) return memory_op(p, hw);
  const Dataflow& flow = hw.flow();
  Geometry g{p.stride, p.dilation, p.kind == Primitive::Kind::Depthwise};
  Ext D;
  for (int d = 0; d < kNumDims; ++d) D[d] = double(p.dims[d]);
  // Clusters of `cluster` PEs; rs sizes them by the filter rows.
  double cluster = hw.cluster > 0             ? double(hw.cluster)
                   : flow.default_cluster > 0 ? double(flow.default_cluster)
                                              : D[kR];
  cluster = std::min(cluster, double(hw.pes));
  // A batch the dataflow does not map runs one image after another.
  const std::array<Level, 2>& base = g.depthwise ? flow.depthwise : flow.conv;
  std::optional<std::array<Level, 2>> batched;
  const std::array<Level, 2>* levels = &base;
  auto names_n = [](const Level& l) {
    return std::any_of(l.directives.begin(), l.directives.end(),
                       [](const Directive& d) { return d.dim == Dim::N; });
  };
  if (D[kN] > 1 && !names_n(base[0]) && !names_n(base[1])) {
    batched = base;
    auto& outer = (*batched)[0].directives;
    outer.insert(outer.begin(), Directive{Dim::N, false, 1});
    levels = &*batched;
  }
  // The mapping's fixed temporal tiles are upper bounds: where the tile
  // overflows L1, the largest one halves until it fits (as a mapper fits its
  // tiles to the buffer; Eyeriss folds large filters the same way).
  std::array<Level, 2> mapped = *levels;
  auto evaluate = [&](const std::array<Level, 2>& lv) {
    const Hierarchy h(lv, std::floor(double(hw.pes) / cluster), cluster);

    const double total_work = work(h, 0, D);
    const LevelResult top = run_level(h, g, hw, 0, D, total_work);

    LayerCost c;
    const double rep = double(p.repeat);
    c.macs = double(p.macs());
    c.compute_cycles = top.compute * rep;
    const double on_chip = top.runtime() * rep;
    c.comm_cycles = top.comm * rep;

    // L1: each MAC reads a weight, an input and a partial sum and writes the sum
    // back; tiles arrive into every PE that uses them.
    c.l1_reads = 3 * c.macs;
    c.l1_writes = c.macs + top.pe_ingress * rep;
    const double whole_o = footprint(g, kO, D), readback = std::max(0.0, top.ingress[kO] - whole_o);
    c.l2_reads = (top.ingress[kW] + top.ingress[kI] + readback) * rep;
    c.l2_writes = top.ingress[kO] * rep;

    // Off-chip: weights come from DRAM once; activations stay in L2 between
    // layers. Tensors that do not fit (smallest kept first) stream through L2
    // at the dataflow's step granularity.
    const double bytes = hw.element_bytes();
    double room = double(hw.l2_bytes) / bytes - 2 * top.need_union;
    std::array<double, 3> size{footprint(g, kW, D), footprint(g, kI, D), whole_o};
    std::array<int, 3> order{kW, kI, kO};
    std::sort(order.begin(), order.end(), [&](int a, int b) { return size[a] < size[b]; });
    std::array<bool, 3> resident{};
    for (int t : order)
      if (size[t] <= room) {
        resident[t] = true;
        room -= size[t];
      }
    double dram_r = resident[kW] ? size[kW] : top.ingress[kW];
    if (!resident[kI]) dram_r += top.ingress[kI];
    double dram_w = 0;
    if (!resident[kO]) {
      dram_w = top.ingress[kO];
      dram_r += readback;
    }
    c.dram_reads = dram_r * rep;
    c.dram_writes = dram_w * rep;
    c.l2_writes += c.dram_reads;  // DRAM fills land in L2
    c.offchip_cycles = (c.dram_reads + c.dram_writes) / hw.offchip_bw;
    c.cycles = std::ceil(std::max(on_chip, c.offchip_cycles));  // whole cycles
    c.pe_cycles = c.cycles * double(hw.pes) * hw.vector_width;
    c.l1_bytes_needed = 2 * top.need_pe * bytes;
    c.l2_bytes_needed = 2 * top.need_union * bytes;
    c.bound = c.offchip_cycles >= on_chip         ? Bound::Offchip
              : c.compute_cycles >= c.comm_cycles ? Bound::Compute
                                                  : Bound::Noc;
    return c;
  };
  LayerCost c = evaluate(mapped);
  while (c.l1_bytes_needed > double(hw.l1_bytes)) {
    Directive* largest = nullptr;
    for (auto& lv : mapped)
      for (auto& d : lv.directives)
        if (!d.spatial && d.tile > 1 && (!largest || d.tile > largest->tile)) largest = &d;
    if (!largest) break;
    largest->tile /= 2;
    c = evaluate(mapped);
  }
  return c;
}

LayerCost analyze_layer(const Layer& layer, const Shape& in, int batch, const AccelParams& hw) {
  const Primitives prims = decompose(layer, in, batch);
  LayerCost total;
  for (int i = 0; i < prims.count; ++i) {
    LayerCost c = analyze_primitive(prims.items[i], hw);
    if (c.l1_bytes_needed > total.l1_bytes_needed) total.l1_what = prims.items[i].what;
    if (c.l2_bytes_needed > total.l2_bytes_needed) total.l2_what = prims.items[i].what;
    total.add(c);
  }
  return total;
}

bool fits(const LayerCost& c, const AccelParams& hw) {
  return c.l1_bytes_needed <= double(hw.l1_bytes) && c.l2_bytes_needed <= double(hw.l2_bytes);
}

void buffer_error(const LayerCost& c, const AccelParams& hw, const std::string& where) {
  const bool l1 = c.l1_bytes_needed > double(hw.l1_bytes);
  throw BufferError(
      where, fmt::format("{} = {} is too small for the {} tile of this layer's {}: "
                         "it needs at least {} bytes",
                         l1 ? "l1_bytes" : "l2_bytes", l1 ? hw.l1_bytes : hw.l2_bytes, hw.dataflow,
                         l1 ? c.l1_what : c.l2_what,
                         std::int64_t(std::ceil(l1 ? c.l1_bytes_needed : c.l2_bytes_needed))));
}

EnergyByLevel energy_by_level(const LayerCost& c, const AccelParams& hw) {
  const EnergyCosts& e = hw.energy;
  const double mac = e.mac * hw.mac_pj() / e.unit_pj;  // a MAC at this width, in units
  const double per_element = hw.bits / 8.0;            // memory costs are per 8 bits moved
  return {c.macs * mac, (c.l1_reads + c.l1_writes) * e.l1 * per_element,
          (c.l2_reads + c.l2_writes) * e.l2 * per_element,
          (c.dram_reads + c.dram_writes) * e.dram * per_element};
}

double energy_mj(const LayerCost& c, const AccelParams& hw) {
  return energy_by_level(c, hw).total() * hw.energy.unit_pj * 1e-9;  // pJ -> mJ
}

double latency_ms(double cycles, const AccelParams& hw) {
  return cycles / (hw.clock_mhz * 1e3);
}

double area_mm2(const AccelParams& hw) {
  const double l1 = double(hw.l1_bytes) * 8 * hw.area.sram_um2_per_bit;
  const double pe = hw.mac_um2() + l1;
  const double noc = hw.area.noc_um2_per_pe >= 0 ? hw.area.noc_um2_per_pe : 0.2 * pe;
  const double l2 = double(hw.l2_bytes) * 8 * hw.area.sram_um2_per_bit;
  return (double(hw.pes) * (pe + noc) + l2) * 1e-6;  // um^2 -> mm^2
}

}  // namespace hwnas::accel
