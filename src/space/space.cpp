#include "hwnas/space/space.h"

#include <algorithm>
#include <filesystem>
#include <regex>

#include <fmt/format.h>

#include "hwnas/common/error.h"
#include "hwnas/common/paths.h"
#include "hwnas/common/text.h"
#include "hwnas/ir/arch_json.h"

namespace hwnas {
namespace fs = std::filesystem;

namespace {

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
  std::vector<std::string> names;
  for (const auto& c : cands) names.push_back(c.name);
  for (const auto& v : f.get("choices").as_list(1, 256)) {
    auto n = v.as_string();
    auto it = std::find(names.begin(), names.end(), n);
    if (it == names.end())
      v.fail(fmt::format("unknown candidate '{}'{}; the space defines {}", n,
                         did_you_mean(n, names), join(names)));
    int idx = int(it - names.begin());
    if (std::find(st.choices.begin(), st.choices.end(), idx) != st.choices.end())
      v.fail(fmt::format("candidate '{}' is listed twice", n));
    st.choices.push_back(idx);
  }
  f.finish();
  return st;
}

// Expands a stage into positions; the first position takes the stage's stride.
void add_positions(Space& s, const StageSpec& st, Shape& cur) {
  for (int d = 0; d < st.depth; ++d) {
    Position p;
    p.layer_index = int(s.skeleton.layers.size());
    p.stage = st.name;
    p.in = cur;
    p.stride = d == 0 ? st.stride : 1;
    const bool same_shape = p.stride == 1 && cur.c == st.out;
    bool have_out = false;
    for (int ci : st.choices) {
      const Candidate& c = s.candidates[ci];
      if (c.layer.op == Op::Zero && !same_shape) continue;  // zero needs a residual to exist
      Layer l = c.layer;
      l.out = st.out;
      l.stride = p.stride;
      Shape o;
      try {
        o = infer_shape(l, cur, "");
      } catch (const InputError& e) {
        throw InputError(
            st.place, fmt::format("position {} of {} ({}x{}x{} in), candidate '{}': {}", d, st.name,
                                  cur.c, cur.h, cur.w, c.name, e.message()));
      }
      if (have_out && o != p.out)
        throw InputError(st.place,
                         fmt::format("position {} of {}: candidate '{}' gives {}x{}x{} but '{}' "
                                     "gives {}x{}x{}; all candidates of a position must agree",
                                     d, st.name, c.name, o.c, o.h, o.w,
                                     s.candidates[p.choices[0]].name, p.out.c, p.out.h, p.out.w));
      p.out = o;
      have_out = true;
      p.choices.push_back(ci);
      p.layers.push_back(l);
    }
    if (p.choices.empty())
      throw InputError(st.place, fmt::format("position {} of {} has no allowed candidate (zero "
                                             "needs stride 1 and out = in)",
                                             d, st.name));
    s.skeleton.layers.push_back(p.layers[0]);
    cur = p.out;
    s.positions.push_back(std::move(p));
  }
}

}  // namespace

Space read_space(const Document& doc) {
  Fields f = Value(doc, doc.root, "", "").as_object();
  Space s;
  s.file = doc.file;
  auto name_v = f.get("name");
  s.name = name_v.as_string();
  static const std::regex name_re("[A-Za-z0-9][A-Za-z0-9_.-]*");
  if (!std::regex_match(s.name, name_re))
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

  for (auto& [key, v] : f.get("candidates").as_object().entries()) {
    static const std::regex cand_re("[A-Za-z][A-Za-z0-9_]*");
    if (!std::regex_match(key, cand_re))
      v.fail("a candidate name uses letters, digits and '_' and starts with a letter");
    Fields lf = v.as_object();
    s.candidates.push_back({key, read_layer(lf, LayerSyntax::Template)});
  }
  if (s.candidates.empty()) f.get("candidates").fail("expected at least one candidate");

  Shape cur = s.skeleton.input;
  int stage_no = 0;
  for (const auto& item : f.get("layers").as_list(1, 10000)) {
    Fields lf = item.as_object();
    if (lf.has("stage")) {
      Fields sf = lf.get("stage").as_object();
      lf.finish();  // a stage entry holds nothing else
      add_positions(s, read_stage(sf, s.candidates, ++stage_no), cur);
      continue;
    }
    Layer l = read_layer(lf);
    try {
      cur = infer_shape(l, cur, "");
    } catch (const InputError& e) {
      item.fail(fmt::format("{} (input {}x{}x{})", e.message(), cur.c, cur.h, cur.w));
    }
    s.skeleton.layers.push_back(l);
  }
  f.finish();
  if (s.positions.empty())
    f.get("layers").fail("expected at least one stage of searchable positions");
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

std::string resolve_space_path(const std::string& name_or_path) {
  const bool looks_like_path =
      name_or_path.find('/') != std::string::npos || fs::path(name_or_path).extension() == ".yaml";
  if (looks_like_path) return name_or_path;  // load reports a missing file
  for (const auto& dir : data_dirs("search_spaces")) {
    fs::path p = fs::path(dir) / (name_or_path + ".yaml");
    if (fs::is_regular_file(p)) return p.string();
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
