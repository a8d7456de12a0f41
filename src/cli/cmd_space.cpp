// hwnas space: summary of a search space; sample random archs to JSON files.
#include <filesystem>
#include <iostream>

#include <fmt/format.h>

#include "cli.h"
#include "hwnas/common/error.h"
#include "hwnas/common/text.h"
#include "hwnas/ir/arch_json.h"
#include "hwnas/space/genotype.h"

namespace hwnas::cli {
namespace fs = std::filesystem;

namespace {

struct SpaceOptions {
  std::string space, out;
  int sample = 0;
  std::int64_t seed = 0;
  bool list = false;
};

std::vector<std::string> write_samples(const Space& s, const SpaceOptions& o) {
  std::vector<std::string> paths;
  for (int i = 0; i < o.sample; ++i)
    paths.push_back((fs::path(o.out) / fmt::format("{}-{:04d}.arch.json", s.name, i)).string());
  // Refuse before writing anything: existing files are never replaced.
  if (fs::exists(o.out) && !fs::is_directory(o.out))
    throw InputError(o.out, "--out exists and is not a folder");
  for (const auto& p : paths)
    if (fs::exists(p)) throw InputError(p, "already exists; choose another --out folder");
  fs::create_directories(o.out);
  Rng rng(std::uint64_t(o.seed));
  for (int i = 0; i < o.sample; ++i) {
    Arch a = decode(s, sample(s, rng));
    a.name = fmt::format("{}-{:04d}", s.name, i);
    save_arch(a, paths[i]);
  }
  return paths;
}

void run_space(const SpaceOptions& o, const Context& ctx) {
  if (o.list) {
    auto names = list_spaces();
    if (ctx.json) return print_json({{"spaces", names}});
    for (const auto& n : names) std::cout << n << "\n";
    return;
  }
  Space s = load_space(o.space);
  std::vector<std::string> samples;
  if (o.sample > 0) samples = write_samples(s, o);
  if (ctx.json) {
    json positions = json::array();
    for (const auto& p : s.positions) {
      json choices = json::array(), layers = json::array();
      for (int c : p.choices) choices.push_back(s.candidates[c].name);
      const PositionUse& u = p.uses.front();
      for (const auto& l : u.layers) layers.push_back(layer_to_json(l));
      json uses = json::array();
      for (const auto& x : p.uses) uses.push_back(x.layer_index);
      positions.push_back({{"stage", p.stage},
                           {"layer", u.layer_index},
                           {"layers_used", uses},
                           {"in", {u.in.c, u.in.h, u.in.w}},
                           {"out", {u.out.c, u.out.h, u.out.w}},
                           {"stride", p.stride},
                           {"choices", choices},
                           {"layers", layers}});
    }
    json j = {{"name", s.name},
              {"file", s.file},
              {"positions", s.positions.size()},
              {"size", space_size(s)},
              {"size_log10", space_size_log10(s)},
              {"position_list", positions},
              {"skeleton", arch_to_json(s.skeleton)}};
    if (!samples.empty()) j["samples"] = samples;
    return print_json(j);
  }
  std::cout << fmt::format("{} ({})\n{} searchable positions, {} architectures (10^{:.2f})\n",
                           s.name, s.file, s.positions.size(), space_size(s), space_size_log10(s));
  for (const auto& c : s.cells)
    std::cout << fmt::format("cell {}: {} nodes, {} edges, used {} times\n", c.name, c.nodes,
                             c.edges.size(), c.uses);
  std::cout << fmt::format("{:>4}  {:<8} {:>12} {:>12}  {}\n", "pos", "stage", "in", "out",
                           "choices");
  for (std::size_t i = 0; i < s.positions.size(); ++i) {
    const auto& p = s.positions[i];
    const PositionUse& u = p.uses.front();  // a cell's later uses differ in width only
    std::vector<std::string> names;
    for (int c : p.choices) names.push_back(s.candidates[c].name);
    std::cout << fmt::format("{:>4}  {:<8} {:>12} {:>12}  {}\n", i, p.stage,
                             fmt::format("{}x{}x{}", u.in.c, u.in.h, u.in.w),
                             fmt::format("{}x{}x{}", u.out.c, u.out.h, u.out.w), join(names));
  }
  for (const auto& p : samples) std::cout << "wrote " << p << "\n";
}

}  // namespace

void register_space(CLI::App& app, Context& ctx) {
  auto o = std::make_shared<SpaceOptions>();
  auto* cmd = app.add_subcommand("space", "Summarise a search space; sample random architectures");
  auto* name = cmd->add_option("space", o->space, "Search space name or path");
  auto* list = cmd->add_flag("--list", o->list, "List the shipped search spaces");
  auto* sample = cmd->add_option("--sample", o->sample, "Write N random architectures")
                     ->check(CLI::Range(1, 1000000));
  auto* out = cmd->add_option("--out", o->out, "Folder for --sample");
  cmd->add_option("--seed", o->seed, "Seed for --sample")
      ->check(CLI::Range(std::int64_t(0), INT64_MAX));
  list->excludes(name);
  sample->needs(out);
  out->needs(sample);
  cmd->callback([o, &ctx] {
    if (!o->list && o->space.empty())
      throw CLI::ValidationError("space", "name a search space, or use --list");
    ctx.run = [o, &ctx] { run_space(*o, ctx); };
  });
}

}  // namespace hwnas::cli
