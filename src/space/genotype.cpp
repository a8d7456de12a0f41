#include "hwnas/space/genotype.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include <fmt/format.h>

#include "hwnas/common/error.h"
#include "hwnas/common/text.h"

namespace hwnas {

void check_genotype(const Space& s, const Genotype& g) {
  if (g.size() != s.positions.size())
    throw InputError("genotype",
                     fmt::format("space {} has {} positions, the genotype has {} entries", s.name,
                                 s.positions.size(), g.size()));
  for (std::size_t i = 0; i < g.size(); ++i) {
    int n = int(s.positions[i].choices.size());
    if (g[i] < 0 || g[i] >= n)
      throw InputError(fmt::format("genotype[{}]", i),
                       fmt::format("position {} ({}) allows choices 0..{}, got {}", i,
                                   s.positions[i].stage, n - 1, g[i]));
  }
}

namespace {

// A block cell's op layers read what their input positions chose (a
// reduction cell's op reading a cell input takes its stride-2 form), and the
// cell's output joins the blocks no block reads.
void wire_block_cell(const Space& s, const Genotype& g, const BlockCellUse& bc, Arch& out) {
  const int blocks = int(bc.sums.size());
  std::vector<bool> read(blocks, false);
  for (int b = 0; b < blocks; ++b)
    for (int j = 0; j < 2; ++j) {
      const int ip = bc.first_position + 4 * b + 2 * j, op = ip + 1;
      const PositionUse& in = s.positions[ip].uses[bc.use];
      const PositionUse& u = s.positions[op].uses[bc.use];
      const int from = g[ip];
      Layer& l = out.layers[u.layer_index];
      if (bc.reduction && from < 2) l = u.strided[g[op]];
      l.inputs.assign(1, in.sources[from]);
      if (from >= 2) read[from - 2] = true;
    }
  Layer& cat = out.layers[bc.output];
  cat.inputs.clear();
  for (int b = 0; b < blocks; ++b)
    if (!read[b]) cat.inputs.push_back(bc.sums[b]);
  cat.op = cat.inputs.size() > 1 ? Op::Concat : Op::Skip;
}

// Writes g's choices into an arch whose layers are the skeleton's.
void apply_genotype(const Space& s, const Genotype& g, Arch& out) {
  for (std::size_t i = 0; i < g.size(); ++i)
    if (s.positions[i].kind == Position::Kind::Op)
      for (const auto& u : s.positions[i].uses) out.layers[u.layer_index] = u.layers[g[i]];
  for (const auto& bc : s.block_cells) wire_block_cell(s, g, bc, out);
  out.genotype = g;
}

}  // namespace

void decode_into(const Space& s, const Genotype& g, Arch& out) {
  out.layers = s.skeleton.layers;
  apply_genotype(s, g, out);
}

Arch decode(const Space& s, const Genotype& g) {
  check_genotype(s, g);
  Arch a = s.skeleton;  // one copy of the skeleton, then the choices
  apply_genotype(s, g, a);
  return a;
}

namespace {

// Block cells: read each block's choices off the arch, then require that
// decoding them gives the arch back.
Genotype encode_block_cells(const Space& s, const Arch& a) {
  Genotype g(s.positions.size(), 0);
  for (std::size_t p = 0; p < s.positions.size(); ++p) {
    const Position& pos = s.positions[p];
    const PositionUse& u = pos.uses.front();
    const Layer& l = a.layers[u.layer_index];
    if (pos.kind == Position::Kind::Input) {
      const int src = l.inputs.empty() ? -2 : l.inputs[0];
      auto it = std::find(u.sources.begin(), u.sources.end(), src);
      g[p] = it == u.sources.end() ? 0 : int(it - u.sources.begin());
    } else {
      for (std::size_t c = 0; c < u.layers.size(); ++c)
        if (u.layers[c] == l || (!u.strided.empty() && u.strided[c] == l)) g[p] = int(c);
    }
  }
  const Arch back = decode(s, g);
  for (std::size_t i = 0; i < a.layers.size(); ++i)
    if (a.layers[i] != back.layers[i] || a.layers[i].inputs != back.layers[i].inputs)
      throw InputError(fmt::format("layers[{}]", i),
                       fmt::format("is not what space {} puts there for any genotype", s.name));
  return g;
}

}  // namespace

Genotype encode(const Space& s, const Arch& a) {
  const auto& sk = s.skeleton;
  if (a.input != sk.input || a.num_classes != sk.num_classes)
    throw InputError("arch", fmt::format("input or num_classes differ from space {}", s.name));
  if (a.layers.size() != sk.layers.size())
    throw InputError("arch.layers", fmt::format("{} layers, but space {} decodes to {}",
                                                a.layers.size(), s.name, sk.layers.size()));
  if (!s.block_cells.empty()) return encode_block_cells(s, a);
  Genotype g(s.positions.size(), -1);
  std::vector<const PositionUse*> use_of(sk.layers.size(), nullptr);
  std::vector<int> position_of(sk.layers.size(), -1);
  for (std::size_t p = 0; p < s.positions.size(); ++p)
    for (const auto& u : s.positions[p].uses)
      position_of[u.layer_index] = int(p), use_of[u.layer_index] = &u;
  for (std::size_t i = 0; i < a.layers.size(); ++i) {
    const int p = position_of[i];
    if (a.layers[i].inputs != sk.layers[i].inputs)
      throw InputError(fmt::format("layers[{}]", i),
                       fmt::format("reads other layers than space {} wires there", s.name));
    if (p < 0) {
      if (a.layers[i] != sk.layers[i])
        throw InputError(fmt::format("layers[{}]", i),
                         fmt::format("differs from the fixed layer of space {}", s.name));
      continue;
    }
    const auto& cands = use_of[i]->layers;
    int found = -1;
    for (std::size_t c = 0; c < cands.size(); ++c)
      if (cands[c] == a.layers[i]) found = int(c);
    if (found < 0)
      throw InputError(fmt::format("layers[{}]", i),
                       fmt::format("matches no allowed candidate of position {} ({}) in space {}",
                                   p, s.positions[p].stage, s.name));
    if (g[p] >= 0 && g[p] != found)  // a cell used twice with different ops
      throw InputError(fmt::format("layers[{}]", i),
                       fmt::format("position {} ({}) is shared by every use of its cell, but this "
                                   "use has choice {} and an earlier one {}",
                                   p, s.positions[p].stage, found, g[p]));
    g[p] = found;
  }
  return g;
}

Rng seeded_rng(std::uint64_t seed, std::int64_t index, std::uint32_t purpose) {
  std::seed_seq seq{std::uint32_t(seed), std::uint32_t(seed >> 32), std::uint32_t(index),
                    std::uint32_t(std::uint64_t(index) >> 32), purpose};
  return Rng(seq);
}

Genotype sample(const Space& s, Rng& rng) {
  Genotype g(s.positions.size());
  for (std::size_t i = 0; i < g.size(); ++i) {
    std::uniform_int_distribution<int> d(0, int(s.positions[i].choices.size()) - 1);
    g[i] = d(rng);
  }
  return g;
}

Genotype mutate(const Space& s, const Genotype& g, double prob, Rng& rng) {
  std::vector<std::size_t> mutable_pos;
  for (std::size_t i = 0; i < s.positions.size(); ++i)
    if (s.positions[i].choices.size() > 1) mutable_pos.push_back(i);
  Genotype out = g;
  if (mutable_pos.empty()) return out;
  auto redraw = [&](std::size_t i) {
    // A different choice, uniformly: draw from n - 1 and skip the current one.
    std::uniform_int_distribution<int> d(0, int(s.positions[i].choices.size()) - 2);
    int c = d(rng);
    out[i] = c >= g[i] ? c + 1 : c;
  };
  std::bernoulli_distribution flip(prob);
  bool changed = false;
  for (std::size_t i : mutable_pos)
    if (flip(rng)) redraw(i), changed = true;
  if (!changed) {
    std::uniform_int_distribution<std::size_t> pick(0, mutable_pos.size() - 1);
    redraw(mutable_pos[pick(rng)]);
  }
  return out;
}

Genotype crossover(const Genotype& a, const Genotype& b, Rng& rng) {
  HWNAS_ASSERT(a.size() == b.size(), "crossover of genotypes of different spaces");
  Genotype out(a.size());
  std::bernoulli_distribution coin(0.5);
  for (std::size_t i = 0; i < a.size(); ++i) out[i] = coin(rng) ? a[i] : b[i];
  return out;
}

std::string space_size(const Space& s) {
  // Little-endian base-1e9 limbs.
  std::vector<std::uint64_t> limbs{1};
  for (const auto& p : s.positions) {
    std::uint64_t carry = 0;
    for (auto& l : limbs) {
      std::uint64_t v = l * p.choices.size() + carry;
      l = v % 1'000'000'000;
      carry = v / 1'000'000'000;
    }
    if (carry) limbs.push_back(carry);
  }
  std::string out = std::to_string(limbs.back());
  for (std::size_t i = limbs.size() - 1; i-- > 0;) out += fmt::format("{:09d}", limbs[i]);
  return out;
}

double space_size_log10(const Space& s) {
  double l = 0;
  for (const auto& p : s.positions) l += std::log10(double(p.choices.size()));
  return l;
}

void enumerate(const Space& s, const std::function<bool(const Genotype&)>& visit,
               std::uint64_t limit) {
  if (space_size_log10(s) > std::log10(double(limit)) + 1e-9)
    throw InputError(s.name, fmt::format("has {} architectures; enumeration is limited to {}",
                                         space_size(s), limit));
  Genotype g(s.positions.size(), 0);
  while (true) {
    if (!visit(g)) return;
    std::size_t i = g.size();
    while (i-- > 0) {  // odometer, last position fastest
      if (++g[i] < int(s.positions[i].choices.size())) break;
      g[i] = 0;
      if (i == 0) return;
    }
    if (g.empty()) return;
  }
}

Genotype parse_genotype(const std::string& text, const std::string& what) {
  Genotype g;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    auto comma = text.find(',', pos);
    std::string tok =
        text.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    int v = 0;
    auto r = std::from_chars(tok.data(), tok.data() + tok.size(), v);
    if (tok.empty() || r.ec != std::errc() || r.ptr != tok.data() + tok.size() || v < 0)
      throw InputError(what, fmt::format("expected comma-separated choice indices like 0,2,1; "
                                         "entry {} is '{}'",
                                         g.size(), tok));
    g.push_back(v);
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return g;
}

std::string format_genotype(const Genotype& g) {
  std::vector<std::string> parts;
  for (int x : g) parts.push_back(std::to_string(x));
  return join(parts, ",");
}

namespace {

// NAS-Bench-201's arch string: one |op~j| group per node, nodes joined by '+'.
Genotype parse_nb201_string(const Space& s, const Cell& cell, const std::string& text,
                            const std::string& what) {
  Genotype g(s.positions.size(), -1);
  std::vector<std::string> nodes;
  std::size_t pos = 0;
  while (true) {
    auto plus = text.find('+', pos);
    nodes.push_back(text.substr(pos, plus == std::string::npos ? plus : plus - pos));
    if (plus == std::string::npos) break;
    pos = plus + 1;
  }
  if (int(nodes.size()) != cell.nodes - 1)
    throw InputError(what, fmt::format("the arch string has {} node groups, but cell {} has {} "
                                       "nodes after its input",
                                       nodes.size(), cell.name, cell.nodes - 1));
  for (std::size_t n = 0; n < nodes.size(); ++n) {
    const int to = int(n) + 1;
    const std::string& grp = nodes[n];
    if (grp.size() < 2 || grp.front() != '|' || grp.back() != '|')
      throw InputError(what, fmt::format("node {}: expected |op~j|...|, got '{}'", to, grp));
    std::size_t p = 1;
    while (p < grp.size()) {
      auto bar = grp.find('|', p);
      const std::string tok = grp.substr(p, bar - p);
      p = bar + 1;
      auto tilde = tok.find('~');
      const std::string op = tok.substr(0, tilde);
      int from = -1;
      if (tilde != std::string::npos) {
        const std::string j = tok.substr(tilde + 1);
        auto r = std::from_chars(j.data(), j.data() + j.size(), from);
        if (j.empty() || r.ec != std::errc() || r.ptr != j.data() + j.size()) from = -1;
      }
      auto e = std::find(cell.edges.begin(), cell.edges.end(), std::make_pair(from, to));
      if (e == cell.edges.end())
        throw InputError(what, fmt::format("node {}: '{}' names no edge of cell {} (expected "
                                           "op~j with j an earlier node)",
                                           to, tok, cell.name));
      const int position = cell.first_position + int(e - cell.edges.begin());
      const Position& ps = s.positions[position];
      std::vector<std::string> names;
      for (int ci : ps.choices) names.push_back(s.candidates[ci].name);
      auto it = std::find(names.begin(), names.end(), op);
      if (it == names.end())
        throw InputError(what, fmt::format("node {}: unknown op '{}'{}; the cell allows {}", to, op,
                                           did_you_mean(op, names), join(names)));
      if (g[position] >= 0)
        throw InputError(what, fmt::format("node {}: edge {}->{} is given twice", to, from, to));
      g[position] = int(it - names.begin());
    }
  }
  for (std::size_t e = 0; e < cell.edges.size(); ++e)
    if (g[cell.first_position + e] < 0)
      throw InputError(
          what, fmt::format("edge {}->{} is missing", cell.edges[e].first, cell.edges[e].second));
  return g;
}

}  // namespace

Genotype parse_genotype(const Space& s, const std::string& text, const std::string& what) {
  Genotype g;
  if (s.form == GenotypeForm::Nb201 && !text.empty() && text.front() == '|') {
    g = parse_nb201_string(s, s.cells.front(), text, what);
  } else if (text.find(',') == std::string::npos && text.size() > 1 &&
             std::all_of(s.positions.begin(), s.positions.end(),
                         [](const Position& p) { return p.choices.size() <= 10; })) {
    // The ops code: one digit per position (a cell space: per edge, in edge
    // order), as NAS-Bench-201 and HW-NAS-Bench write genotypes.
    if (text.size() != s.positions.size() ||
        !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }))
      throw InputError(what, fmt::format("expected space {}'s {}-digit ops code (like {}), a "
                                         "comma-separated genotype or an arch string; got '{}'",
                                         s.name, s.positions.size(),
                                         std::string(s.positions.size(), '0'), text));
    for (char c : text) g.push_back(c - '0');
  } else {
    g = parse_genotype(text, what);
  }
  try {
    check_genotype(s, g);
  } catch (const InputError& e) {
    throw InputError(what, e.message());
  }
  return g;
}

std::string external_genotype(const Space& s, const Genotype& g) {
  if (s.form != GenotypeForm::Nb201) return "";
  const Cell& cell = s.cells.front();
  std::string out;
  for (int to = 1; to < cell.nodes; ++to) {
    if (to > 1) out += "+";
    out += "|";
    for (std::size_t e = 0; e < cell.edges.size(); ++e)
      if (cell.edges[e].second == to)
        out += fmt::format(
            "{}~{}|", s.candidate_at(cell.first_position + int(e), g[cell.first_position + e]).name,
            cell.edges[e].first);
  }
  return out;
}

}  // namespace hwnas
