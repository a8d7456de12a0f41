#include "hwnas/space/space.h"

#include <algorithm>
#include <filesystem>
#include <functional>
#include <map>
#include <string_view>

#include <fmt/format.h>

#include "hwnas/common/error.h"
#include "hwnas/common/paths.h"
#include "hwnas/common/text.h"
#include "hwnas/ir/arch_json.h"

namespace hwnas {
namespace fs = std::filesystem;

namespace {

std::vector<int> read_choices(const Value& list, const std::vector<Candidate>& cands) {
  std::vector<std::string> names;
  for (const auto& c : cands) names.push_back(c.name);
  std::vector<int> choices;
  for (const auto& v : list.as_list(1, 256)) {
    auto n = v.as_string();
    auto it = std::find(names.begin(), names.end(), n);
    if (it == names.end())
      v.fail(fmt::format("unknown candidate '{}'{}; the space defines {}", n,
                         did_you_mean(n, names), join(names)));
    int idx = int(it - names.begin());
    if (std::find(choices.begin(), choices.end(), idx) != choices.end())
      v.fail(fmt::format("candidate '{}' is listed twice", n));
    choices.push_back(idx);
  }
  return choices;
}

struct StageSpec {
  std::string name;
  int out = 0, depth = 0, stride = 1;
  std::vector<int> choices;
  std::string place;
};

StageSpec read_stage(Fields& f, const std::vector<Candidate>& cands, int stage_no) {
  StageSpec st;
  st.place = f.place();
  st.name = f.get_string("name", fmt::format("stage{}", stage_no));
  st.out = int(f.get_int("out", 1, 1 << 20));
  st.depth = int(f.get_int("depth", 1, 64));
  st.stride = int(f.get_int("stride", 1, 64, 1));
  st.choices = read_choices(f.get("choices"), cands);
  f.finish();
  return st;
}

/// A cell: node 0 is its input; node i > 0 sums op(node j) over its edges
/// j -> i; the last node is its output. Each edge is a searchable position.
struct CellSpec : Cell {
  std::string place;
  std::vector<int> choices;
};

CellSpec read_cell(const std::string& name, Fields& f, const std::vector<Candidate>& cands) {
  CellSpec c;
  c.name = name;
  c.first_position = -1;  // set at the cell's first use
  c.place = f.place();
  if (f.has("blocks")) {  // a block cell: blocks pick two inputs and two ops each
    c.blocks = int(f.get_int("blocks", 1, 16));
    c.choices = read_choices(f.get("choices"), cands);
    f.finish();
    return c;
  }
  c.nodes = int(f.get_int("nodes", 2, 64));
  auto ev = f.get("edges");
  for (const auto& e : ev.as_list(1, 4096)) {
    auto ij = e.as_int_list(0, c.nodes - 1, 2, 2);
    if (ij[0] >= ij[1])
      e.fail(fmt::format("an edge runs from an earlier node to a later one; got {} -> {}", ij[0],
                         ij[1]));
    std::pair<int, int> edge{int(ij[0]), int(ij[1])};
    if (std::find(c.edges.begin(), c.edges.end(), edge) != c.edges.end())
      e.fail(fmt::format("edge {} -> {} is listed twice", ij[0], ij[1]));
    c.edges.push_back(edge);
  }
  for (int i = 1; i < c.nodes; ++i)
    if (std::none_of(c.edges.begin(), c.edges.end(), [&](auto e) { return e.second == i; }))
      ev.fail(fmt::format("node {} has no incoming edge", i));
  c.choices = read_choices(f.get("choices"), cands);
  f.finish();
  return c;
}

// Builds the skeleton layer by layer, tracking shapes and ids.
class SpaceBuilder {
 public:
  explicit SpaceBuilder(Space& s) : s_(s) {}

  int last() const { return int(s_.skeleton.layers.size()) - 1; }
  const Shape& shape_of(int j) const { return j < 0 ? s_.skeleton.input : outs_[j]; }

  /// Appends a layer; `fail` reports a shape or wiring error at the entry.
  int push(Layer l, const std::function<void(const std::string&)>& fail) {
    auto& layers = s_.skeleton.layers;
    // Networks of the space must be valid arch JSON (at most kMaxArchLayers
    // layers): checked as it grows, before the work of a huge space.
    if (layers.size() >= std::size_t(kMaxArchLayers))
      fail(fmt::format("the space's networks would have over {} layers", kMaxArchLayers));
    layers.push_back(std::move(l));
    const std::size_t i = layers.size() - 1;
    try {
      const Shape in = joined_input(s_.skeleton, i, outs_);
      outs_.push_back(infer_shape(layers[i], in, ""));
    } catch (const InputError& e) {
      const Shape& prev = shape_of(int(i) - 1);
      fail(fmt::format("{} (input {}x{}x{})", e.message(), prev.c, prev.h, prev.w));
    }
    return int(i);
  }

  /// A block op must keep the block's shape: `width` x the blocks' size.
  void check_layer(const Layer& l, const Shape& in, int stride, const std::string& what,
                   const std::string& place) {
    Shape o;
    try {
      o = infer_shape(l, in, "");
    } catch (const InputError& e) {
      throw InputError(place, fmt::format("{} ({}x{}x{} in), {}: {}", what, in.c, in.h, in.w,
                                          layer_summary(l), e.message()));
    }
    const Shape want{l.out > 0 ? l.out : in.c, (in.h + stride - 1) / stride,
                     (in.w + stride - 1) / stride};
    if (o != want)
      throw InputError(place,
                       fmt::format("{}: {} gives {}x{}x{} where the block needs {}x{}x{}", what,
                                   layer_summary(l), o.c, o.h, o.w, want.c, want.h, want.w));
  }

  /// One searchable use: every allowed choice instantiated at `src` with
  /// `out` and `stride`; they must agree on the output shape.
  PositionUse instantiate(const Position& p, int src, bool explicit_input, int out, int stride,
                          const std::string& what, const std::string& place) {
    PositionUse u;
    u.in = shape_of(src);
    bool have_out = false;
    for (int ci : p.choices) {
      const Candidate& c = s_.candidates[ci];
      Layer l = c.layer;
      if (has_out(l.op)) l.out = out;  // a pool keeps its input's width
      l.stride = stride;
      if (explicit_input) l.inputs = {src};
      Shape o;
      try {
        o = infer_shape(l, u.in, "");
      } catch (const InputError& e) {
        throw InputError(place, fmt::format("{} ({}x{}x{} in), candidate '{}': {}", what, u.in.c,
                                            u.in.h, u.in.w, c.name, e.message()));
      }
      if (have_out && o != u.out)
        throw InputError(place,
                         fmt::format("{}: candidate '{}' gives {}x{}x{} but '{}' gives "
                                     "{}x{}x{}; all candidates of a position must agree",
                                     what, c.name, o.c, o.h, o.w, s_.candidates[p.choices[0]].name,
                                     u.out.c, u.out.h, u.out.w));
      u.out = o;
      have_out = true;
      u.layers.push_back(l);
    }
    return u;
  }

  // Expands a stage into positions; the first position takes the stage's stride.
  void add_stage(const StageSpec& st) {
    for (int d = 0; d < st.depth; ++d) {
      Position p;
      p.stage = st.name;
      p.stride = d == 0 ? st.stride : 1;
      const Shape cur = shape_of(last());
      const bool same_shape = p.stride == 1 && cur.c == st.out;
      for (int ci : st.choices)  // zero needs a residual to exist
        if (s_.candidates[ci].layer.op != Op::Zero || same_shape) p.choices.push_back(ci);
      if (p.choices.empty())
        throw InputError(st.place, fmt::format("position {} of {} has no allowed candidate (zero "
                                               "needs stride 1 and out = in)",
                                               d, st.name));
      PositionUse u = instantiate(p, last(), false, st.out, p.stride,
                                  fmt::format("position {} of {}", d, st.name), st.place);
      u.layer_index =
          push(u.layers[0], [&](const std::string& m) { throw InputError(st.place, m); });
      p.uses.push_back(std::move(u));
      s_.positions.push_back(std::move(p));
    }
  }

  // One use of a block cell reading layers s0 and s1, `width` channels per
  // block. A reduction cell's ops that read a cell input have stride 2.
  int add_block_cell_use(CellSpec& c, int s0, int s1, int width, bool reduction,
                         bool reduction_prev, const std::string& place) {
    auto fail = [&](const std::string& m) { throw InputError(place, m); };
    if (c.first_position < 0) {
      c.first_position = int(s_.positions.size());
      for (int b = 0; b < c.blocks; ++b)
        for (int j = 0; j < 2; ++j) {
          Position in;
          in.kind = Position::Kind::Input;
          in.stage = fmt::format("cell {} block {} input {}", c.name, b, j);
          for (int k = 0; k < 2 + b; ++k) in.choices.push_back(k);
          s_.positions.push_back(std::move(in));
          Position op;
          op.stage = fmt::format("cell {} block {} op {}", c.name, b, j);
          op.choices = c.choices;
          s_.positions.push_back(std::move(op));
        }
    }
    BlockCellUse use;
    use.reduction = reduction;
    use.use = c.uses++;
    use.first_position = c.first_position;
    // DARTS's preprocessing: both inputs to `width` channels with a 1x1
    // ReLU-Conv-BN, or a factorised reduce where the cell before reduced.
    Layer pre0 = Layer::make(reduction_prev ? Op::FactReduce : Op::Conv);
    pre0.out = width;
    if (!reduction_prev) pre0.k = 1, pre0.preact = true;
    pre0.inputs = {s0};
    Layer pre1 = Layer::make(Op::Conv);
    pre1.out = width, pre1.k = 1, pre1.preact = true, pre1.inputs = {s1};
    std::vector<int> nodes{push(pre0, fail), push(pre1, fail)};
    for (int b = 0; b < c.blocks; ++b) {
      Layer sum = Layer::make(Op::Add);
      for (int j = 0; j < 2; ++j) {
        Position& in = s_.positions[c.first_position + 4 * b + 2 * j];
        Position& op = s_.positions[c.first_position + 4 * b + 2 * j + 1];
        const std::string what = fmt::format("cell {} block {} op {}", c.name, b, j);
        // Reading a block: stride 1 at the blocks' size. Reading a cell
        // input in a reduction cell: stride 2 from the inputs' size.
        PositionUse u;
        const Shape& cell_in = shape_of(nodes[0]);
        u.in = {width, cell_in.h, cell_in.w};
        if (reduction) u.in.h = (u.in.h + 1) / 2, u.in.w = (u.in.w + 1) / 2;
        u.out = u.in;
        for (int ci : op.choices) {
          Layer l = s_.candidates[ci].layer;
          if (has_out(l.op)) l.out = width;
          l.stride = 1;
          check_layer(l, u.in, 1, what + " '" + s_.candidates[ci].name + "'", place);
          u.layers.push_back(l);
        }
        if (reduction) {
          u.strided_in = shape_of(nodes[0]);
          for (const Layer& l : u.layers) {
            Layer st = l;
            if (st.op == Op::Skip) {
              st = Layer::make(Op::FactReduce);
              st.out = width;
            } else {
              st.stride = 2;
            }
            check_layer(st, shape_of(nodes[0]), 2, what + " (stride 2)", place);
            u.strided.push_back(st);
          }
        }
        Layer first = reduction ? u.strided[0] : u.layers[0];
        first.inputs = {nodes[0]};
        u.layer_index = push(first, fail);
        PositionUse iu;
        iu.layer_index = u.layer_index;
        iu.sources = nodes;
        sum.inputs.push_back(u.layer_index);
        op.uses.push_back(std::move(u));
        in.uses.push_back(std::move(iu));
      }
      use.sums.push_back(push(sum, fail));
      nodes.push_back(use.sums.back());
    }
    Layer cat = Layer::make(c.blocks > 1 ? Op::Concat : Op::Skip);
    cat.inputs = use.sums;  // genotype 0 reads no block: every block is a loose end
    use.output = push(cat, fail);
    s_.block_cells.push_back(std::move(use));
    return last();
  }

  // One use of a cell reading layer `src` with `out` channels.
  void add_cell_use(CellSpec& c, int src, int out, const std::string& place) {
    if (c.first_position < 0) {
      c.first_position = int(s_.positions.size());
      for (auto [from, to] : c.edges) {
        Position p;
        p.stage = fmt::format("cell {} edge {}->{}", c.name, from, to);
        p.choices = c.choices;
        s_.positions.push_back(std::move(p));
      }
    }
    ++c.uses;
    auto fail = [&](const std::string& m) { throw InputError(place, m); };
    std::vector<int> node_layer(c.nodes, -1);
    node_layer[0] = src;
    for (int i = 1; i < c.nodes; ++i) {
      Layer sum = Layer::make(Op::Add);
      for (std::size_t e = 0; e < c.edges.size(); ++e) {
        if (c.edges[e].second != i) continue;
        Position& p = s_.positions[c.first_position + int(e)];
        PositionUse u =
            instantiate(p, node_layer[c.edges[e].first], true, out, 1,
                        fmt::format("cell {} edge {}->{}", c.name, c.edges[e].first, i), place);
        u.layer_index = push(u.layers[0], fail);
        sum.inputs.push_back(u.layer_index);
        p.uses.push_back(std::move(u));
      }
      node_layer[i] = sum.inputs.size() == 1 ? sum.inputs[0] : push(sum, fail);
    }
  }

 private:
  Space& s_;
  std::vector<Shape> outs_;
};

// A first character (a letter, a digit when `digit_first`, or one of
// `first_punct`) then letters, digits and `rest_punct`. A scanner, not
// std::regex: its recursion overflowed the stack on long names (fuzzing).
bool is_word(std::string_view w, bool digit_first, std::string_view first_punct,
             std::string_view rest_punct) {
  auto alpha = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); };
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (w.empty()) return false;
  const char f = w[0];
  if (!alpha(f) && !(digit_first && digit(f)) && first_punct.find(f) == std::string_view::npos)
    return false;
  for (char c : w.substr(1))
    if (!alpha(c) && !digit(c) && rest_punct.find(c) == std::string_view::npos) return false;
  return true;
}

bool is_id(std::string_view w) {  // [A-Za-z_][A-Za-z0-9_]*
  return is_word(w, false, "_", "_");
}

// The layer an `inputs` entry names: an earlier entry's id, or `input`.
int resolve_id(const Value& v, const std::map<std::string, int>& ids) {
  const std::string id = v.as_string();
  if (id == "input") return -1;
  auto it = ids.find(id);
  if (it == ids.end()) {
    std::vector<std::string> known{"input"};
    for (const auto& [k, _] : ids) known.push_back(k);
    v.fail(fmt::format("no earlier entry has id '{}'{}; known: {}", id, did_you_mean(id, known),
                       join(known)));
  }
  return it->second;
}

}  // namespace

std::string Space::choice_name(int position, int choice) const {
  const Position& p = positions[position];
  if (p.kind == Position::Kind::Op) return candidates[p.choices[choice]].name;
  return choice < 2 ? fmt::format("in{}", choice) : fmt::format("block{}", choice - 2);
}

bool Space::is_chain() const {
  return std::all_of(skeleton.layers.begin(), skeleton.layers.end(),
                     [](const Layer& l) { return l.inputs.empty(); });
}

Space read_space(const Document& doc) {
  Fields f = Value(doc, doc.root, "", "").as_object();
  Space s;
  s.file = doc.file;
  auto name_v = f.get("name");
  s.name = name_v.as_string();
  if (!is_word(s.name, true, "", "_.-"))  // [A-Za-z0-9][A-Za-z0-9_.-]*
    name_v.fail("a space name uses letters, digits, '_', '.' and '-' only");
  auto stem = fs::path(doc.file).stem().string();
  if (fs::path(doc.file).has_extension() && stem != s.name)
    name_v.fail(fmt::format("the space's name must equal its file stem '{}'", stem));
  f.get_string("description", "");
  auto in = f.get("input").as_int_list(1, 65536, 3, 3);
  s.skeleton.input = {int(in[0]), int(in[1]), int(in[2])};
  s.skeleton.num_classes = int(f.get_int("num_classes", 1, 1'000'000));
  s.skeleton.name = s.name;
  s.skeleton.space = s.name;
  const auto form_v = f.find("genotype_form");
  if (form_v && form_v->as_choice({"indices", "nb201"}) == "nb201") s.form = GenotypeForm::Nb201;

  for (auto& [key, v] : f.get("candidates").as_object().entries()) {
    if (!is_word(key, false, "", "_"))  // [A-Za-z][A-Za-z0-9_]*
      v.fail("a candidate name uses letters, digits and '_' and starts with a letter");
    Fields lf = v.as_object();
    s.candidates.push_back({key, read_layer(lf, LayerSyntax::Template)});
  }
  if (s.candidates.empty()) f.get("candidates").fail("expected at least one candidate");

  std::map<std::string, CellSpec> cells;
  std::map<std::string, Value> cell_values;
  if (auto cv = f.find("cells")) {
    for (auto& [key, v] : cv->as_object().entries()) {
      if (!is_id(key)) v.fail("a cell name uses letters, digits and '_' and starts with a letter");
      Fields cf = v.as_object();
      cells.emplace(key, read_cell(key, cf, s.candidates));
      cell_values.emplace(key, v);
    }
  }

  SpaceBuilder b(s);
  std::map<std::string, int> ids;
  int stage_no = 0;
  for (const auto& item : f.get("layers").as_list(1, 10000)) {
    Fields lf = item.as_object();
    std::string id;  // names the entry's last layer, for later `inputs`
    if (auto iv = lf.find("id")) {
      id = iv->as_string();
      if (!is_id(id) || id == "input")
        iv->fail("an id uses letters, digits and '_', starts with a letter, and is not 'input'");
      if (ids.count(id)) iv->fail(fmt::format("id '{}' is used twice", id));
    }
    if (lf.has("stage")) {
      Fields sf = lf.get("stage").as_object();
      lf.finish();  // a stage entry holds nothing else
      b.add_stage(read_stage(sf, s.candidates, ++stage_no));
      if (!id.empty()) ids[id] = b.last();
      continue;
    }
    std::vector<int> inputs;
    if (auto iv = lf.find("inputs"))
      for (const auto& v : iv->as_list(1, 1024)) inputs.push_back(resolve_id(v, ids));
    if (lf.has("nasnet")) {
      // DARTS's CIFAR macro-network: `cells` cells of two inputs each (the
      // two layers before), reduction cells at 1/3 and 2/3 of the depth
      // doubling the width.
      Fields nf = lf.get("nasnet").as_object();
      auto cell_named = [&](const char* key) -> CellSpec& {
        auto v = nf.get(key);
        const std::string name = v.as_string();
        auto it = cells.find(name);
        if (it == cells.end() || it->second.blocks == 0)
          v.fail(
              fmt::format("'{}' is not a block cell of this space (a cell with `blocks`)", name));
        return it->second;
      };
      CellSpec& normal = cell_named("normal");
      CellSpec& reduce = cell_named("reduce");
      if (&normal == &reduce) nf.get("reduce").fail("the reduction cell must be another cell");
      int width = int(nf.get_int("width", 1, 1 << 16));
      const int count = int(nf.get_int("cells", 3, 256));
      nf.finish();
      lf.finish();
      int s0 = b.last(), s1 = b.last();
      bool reduction_prev = false;
      for (int k = 0; k < count; ++k) {
        const bool reduction = k == count / 3 || k == 2 * count / 3;
        if (reduction) width *= 2;
        const int out = b.add_block_cell_use(reduction ? reduce : normal, s0, s1, width, reduction,
                                             reduction_prev, item.place());
        s0 = s1, s1 = out;
        reduction_prev = reduction;
      }
      if (!id.empty()) ids[id] = b.last();
      continue;
    }
    if (lf.has("cell")) {
      auto cv = lf.get("cell");
      const std::string name = cv.as_string();
      auto it = cells.find(name);
      if (it == cells.end()) {
        std::vector<std::string> known;
        for (const auto& [k, _] : cells) known.push_back(k);
        cv.fail(fmt::format("unknown cell '{}'{}; the space defines {}", name,
                            did_you_mean(name, known),
                            known.empty() ? "none (add a `cells` section)" : join(known)));
      }
      if (it->second.blocks > 0)
        cv.fail(fmt::format("'{}' is a block cell: use it in a `nasnet` entry", name));
      const int out = int(lf.get_int("out", 1, 1 << 20));
      const int repeat = int(lf.get_int("repeat", 1, 1024, 1));
      if (inputs.size() > 1) lf.get("inputs").fail("a cell reads one layer");
      lf.finish();
      int src = inputs.empty() ? b.last() : inputs[0];
      for (int r = 0; r < repeat; ++r) {
        b.add_cell_use(it->second, src, out, item.place());
        src = b.last();
      }
    } else {
      Layer l = read_layer(lf, LayerSyntax::Named);
      l.inputs = inputs;
      b.push(l, [&](const std::string& m) { item.fail(m); });
    }
    if (!id.empty()) ids[id] = b.last();
  }
  for (const auto& [name, c] : cells) {
    if (c.first_position < 0) cell_values.at(name).fail("this cell is defined but never used");
    s.cells.push_back(c);
  }
  std::sort(s.cells.begin(), s.cells.end(),
            [](const Cell& a, const Cell& b) { return a.first_position < b.first_position; });
  f.finish();
  if (s.positions.empty())
    f.get("layers").fail("expected at least one stage or cell of searchable positions");
  if (s.form == GenotypeForm::Nb201 &&
      (cells.size() != 1 || s.positions.size() != cells.begin()->second.edges.size()))
    form_v->fail("the nb201 form needs one cell whose edges are all the space's positions");
  s.skeleton.genotype.assign(s.positions.size(), 0);
  try {
    analyze(s.skeleton);
  } catch (const InputError& e) {
    throw InputError(doc.file + ": " + e.place(), e.message());
  }
  return s;
}

std::vector<std::string> list_spaces() {
  std::vector<std::string> names;
  for (const auto& dir : data_dirs("search_spaces")) {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec))
      if (e.path().extension() == ".yaml") names.push_back(e.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

bool is_space_path(const std::string& name_or_path) {
  return name_or_path.find('/') != std::string::npos ||
         fs::path(name_or_path).extension() == ".yaml";
}

std::string resolve_space_path(const std::string& name_or_path) {
  if (is_space_path(name_or_path)) return name_or_path;  // load reports a missing file
  for (const auto& dir : data_dirs("search_spaces")) {
    fs::path p = fs::path(dir) / (name_or_path + ".yaml");
    if (fs::is_regular_file(p)) return fs::absolute(p).lexically_normal().string();
  }
  auto known = list_spaces();
  throw InputError("", fmt::format("unknown search space '{}'{}; known: {}", name_or_path,
                                   did_you_mean(name_or_path, known),
                                   known.empty() ? "(none found)" : join(known)));
}

Space load_space(const std::string& name_or_path) {
  return read_space(load_document(resolve_space_path(name_or_path)));
}

}  // namespace hwnas
