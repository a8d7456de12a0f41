#include "hwnas/cost/layer_sums.h"

#include <algorithm>

#include "hwnas/common/error.h"

namespace hwnas {

namespace {

// Above these, listing a layer's forms costs more than decoding would save.
constexpr int kMaxBlocks = 12;
constexpr std::size_t kMaxReaderForms = 4096;

struct Decline {};  // the space or model cannot be priced exactly here

void push_unique(std::vector<Shape>& v, const Shape& s) {
  if (std::find(v.begin(), v.end(), s) == v.end()) v.push_back(s);
}

}  // namespace

void LayerSums::add(Cost& acc, const Cost& c) const {
  for (int m = 0; m < kNumMetrics; ++m) acc.v[m] += c.v[m];  // NaN outside metrics_ stays NaN
}

std::shared_ptr<const LayerSums> LayerSums::make(const Space& s, const CostModel& model) {
  if (s.block_cells.empty()) return nullptr;
  std::shared_ptr<LayerSums> t(new LayerSums);
  t->metrics_ = model.metrics() & model.additive();
  if (t->metrics_.none()) return nullptr;
  const MetricSet ms = t->metrics_;
  auto price = [&](const Layer& l, const Shape& in, const Shape& out) {
    if (!model.supports(l)) throw Decline{};
    const Cost c = model.layer({l, in, out, 1});
    Cost kept = Cost::zeros(ms);
    for (int m = 0; m < kNumMetrics; ++m)
      if (ms.test(m)) kept.v[m] = c.v[m];
    return kept;
  };
  try {
    const Arch& sk = s.skeleton;
    const int n = int(sk.layers.size());
    t->input_ = sk.input;
    for (const auto& ls : infer_shapes(sk)) t->static_out_.push_back(ls.out);
    t->dyn_of_.assign(n, -1);
    std::vector<std::vector<Shape>> forms;  // per dyn slot: the shapes it can take
    std::vector<bool> varies(n, false);     // a position's layer or a cell output

    // Which uses of op positions are block-cell slots.
    std::vector<std::vector<bool>> in_block(s.positions.size());
    for (std::size_t p = 0; p < s.positions.size(); ++p)
      in_block[p].assign(s.positions[p].uses.size(), false);
    for (const BlockCellUse& bc : s.block_cells)
      for (std::size_t k = 0; k < 2 * bc.sums.size(); ++k)
        in_block[bc.first_position + 2 * k + 1][bc.use] = true;

    t->position_.resize(s.positions.size());
    for (std::size_t p = 0; p < s.positions.size(); ++p) {
      const Position& pos = s.positions[p];
      for (std::size_t k = 0; k < pos.uses.size(); ++k) varies[pos.uses[k].layer_index] = true;
      if (pos.kind != Position::Kind::Op ||
          std::all_of(in_block[p].begin(), in_block[p].end(), [](bool b) { return b; }))
        continue;
      for (std::size_t c = 0; c < pos.choices.size(); ++c) {
        Cost sum = Cost::zeros(ms);
        for (std::size_t k = 0; k < pos.uses.size(); ++k)
          if (!in_block[p][k])
            t->add(sum, price(pos.uses[k].layers[c], pos.uses[k].in, pos.uses[k].out));
        t->position_[p].push_back(sum);
      }
    }

    for (const BlockCellUse& bc : s.block_cells) {
      const int blocks = int(bc.sums.size());
      if (blocks > kMaxBlocks) throw Decline{};
      for (int k = 0; k < 2 * blocks; ++k) {
        Slot slot;
        slot.input_position = bc.first_position + 2 * k;
        slot.op_position = slot.input_position + 1;
        slot.reduction = bc.reduction;
        slot.output = int(t->outputs_.size());
        const PositionUse& u = s.positions[slot.op_position].uses[bc.use];
        for (std::size_t c = 0; c < u.layers.size(); ++c) {
          slot.plain.push_back(price(u.layers[c], u.in, u.out));
          if (bc.reduction)
            slot.strided.push_back(
                price(u.strided[c], u.strided_in, infer_shape(u.strided[c], u.strided_in, "")));
        }
        t->slots_.push_back(std::move(slot));
      }
      // Each set of loose ends: a concat of those blocks' sums, or a skip of one.
      Output o;
      o.cost.assign(std::size_t(1) << blocks, Cost::zeros(ms));
      o.shape.assign(o.cost.size(), Shape{});
      std::vector<Shape> distinct;
      for (std::size_t mask = 1; mask < o.cost.size(); ++mask) {
        Layer cat = sk.layers[bc.output];
        cat.inputs.clear();
        Shape in;
        for (int b = 0; b < blocks; ++b)
          if (mask >> b & 1) {
            const Shape& sum = t->static_out_[bc.sums[b]];
            in = cat.inputs.empty() ? sum : Shape{in.c + sum.c, in.h, in.w};
            cat.inputs.push_back(bc.sums[b]);
          }
        cat.op = cat.inputs.size() > 1 ? Op::Concat : Op::Skip;
        o.shape[mask] = infer_shape(cat, in, "");
        o.cost[mask] = price(cat, in, o.shape[mask]);
        push_unique(distinct, o.shape[mask]);
      }
      o.dyn = t->dyn_count_++;
      t->dyn_of_[bc.output] = o.dyn;
      varies[bc.output] = true;
      forms.push_back(std::move(distinct));
      t->outputs_.push_back(std::move(o));
    }

    // Fixed layers that read a varying shape, in order: every input they can see.
    auto forms_of = [&](int j) -> std::vector<Shape> {
      if (j < 0) return {sk.input};
      if (t->dyn_of_[j] >= 0) return forms[t->dyn_of_[j]];
      return {t->static_out_[j]};
    };
    for (int i = 0; i < n; ++i) {
      const std::vector<int> ins = layer_inputs(sk, i);
      const bool reads_dyn =
          std::any_of(ins.begin(), ins.end(), [&](int j) { return j >= 0 && t->dyn_of_[j] >= 0; });
      if (!reads_dyn) continue;
      if (varies[i]) throw Decline{};  // a position reading a varying width: decode instead
      Reader r;
      r.op = sk.layers[i].op;
      r.inputs = ins;
      std::vector<std::vector<Shape>> choices;
      std::size_t combos = 1;
      for (int j : ins) {
        choices.push_back(forms_of(j));
        combos *= choices.back().size();
        if (combos > kMaxReaderForms) throw Decline{};
      }
      std::vector<Shape> outs;
      for (std::size_t k = 0; k < combos; ++k) {
        std::size_t rest = k;
        Shape in;
        bool ok = true;
        for (std::size_t a = 0; a < choices.size(); ++a) {
          const Shape& sh = choices[a][rest % choices[a].size()];
          rest /= choices[a].size();
          if (a == 0) {
            in = sh;
          } else if (r.op == Op::Concat) {
            ok = ok && sh.h == in.h && sh.w == in.w;
            in.c += sh.c;
          } else {
            ok = ok && sh == in;  // add
          }
        }
        if (!ok || std::find(r.in.begin(), r.in.end(), in) != r.in.end()) continue;
        Shape out;
        try {
          out = infer_shape(sk.layers[i], in, "");
        } catch (const InputError&) {
          continue;  // no genotype gives this input
        }
        r.in.push_back(in);
        r.out.push_back(out);
        r.cost.push_back(price(sk.layers[i], in, out));
        push_unique(outs, out);
      }
      if (r.in.empty()) throw Decline{};
      if (outs.size() > 1) {
        r.dyn = t->dyn_count_++;
        t->dyn_of_[i] = r.dyn;
        forms.push_back(outs);
      }
      t->readers_.push_back(std::move(r));
    }
    // A block reading a varying width would need its own forms.
    for (const Slot& slot : t->slots_)
      for (const PositionUse& u : s.positions[slot.input_position].uses)
        for (int src : u.sources)
          if (src >= 0 && t->dyn_of_[src] >= 0) throw Decline{};

    // The rest, and any per-network terms: the skeleton's cost less its
    // varying part.
    t->fixed_ = Cost::zeros(ms);
    const Genotype first(s.positions.size(), 0);
    const Cost varying = t->cost(first), whole = model.network(decode(s, first));
    for (int m = 0; m < kNumMetrics; ++m)
      if (ms.test(m)) t->fixed_.v[m] = whole.v[m] - varying.v[m];
  } catch (const Decline&) {
    return nullptr;
  } catch (const InputError&) {  // e.g. a table without some layer: whole networks say which
    return nullptr;
  }
  return t;
}

Cost LayerSums::cost(const Genotype& g) const {
  Cost c = fixed_;
  for (std::size_t p = 0; p < position_.size(); ++p)
    if (!position_[p].empty()) add(c, position_[p][g[p]]);
  thread_local std::vector<unsigned> read;
  read.assign(outputs_.size(), 0);
  for (const Slot& s : slots_) {
    const int from = g[s.input_position], op = g[s.op_position];
    add(c, s.reduction && from < 2 ? s.strided[op] : s.plain[op]);
    if (from >= 2) read[s.output] |= 1u << (from - 2);
  }
  thread_local std::vector<Shape> dyn;
  dyn.resize(dyn_count_);
  for (std::size_t o = 0; o < outputs_.size(); ++o) {
    const Output& out = outputs_[o];
    const std::size_t loose = (out.cost.size() - 1) & ~std::size_t(read[o]);
    add(c, out.cost[loose]);
    dyn[out.dyn] = out.shape[loose];
  }
  auto shape_of = [&](int j) {
    return j < 0 ? input_ : dyn_of_[j] >= 0 ? dyn[dyn_of_[j]] : static_out_[j];
  };
  for (const Reader& r : readers_) {
    Shape in = shape_of(r.inputs[0]);
    if (r.op == Op::Concat)
      for (std::size_t k = 1; k < r.inputs.size(); ++k) in.c += shape_of(r.inputs[k]).c;
    const auto it = std::find(r.in.begin(), r.in.end(), in);
    HWNAS_ASSERT(it != r.in.end(), "LayerSums: an input no form lists");
    const std::size_t k = std::size_t(it - r.in.begin());
    add(c, r.cost[k]);
    if (r.dyn >= 0) dyn[r.dyn] = r.out[k];
  }
  return c;
}

}  // namespace hwnas
