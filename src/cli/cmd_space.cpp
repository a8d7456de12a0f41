// hwnas space: summary of a search space; sample random archs to JSON files,
// or write one genotype's arch.
#include <algorithm>
#include <filesystem>
#include <iostream>

#include <fmt/format.h>

#include "cli.h"
#include "hwnas/common/error.h"
#include "hwnas/common/output_path.h"
#include "hwnas/common/text.h"
#include "hwnas/ir/arch_json.h"
#include "hwnas/space/genotype.h"

namespace hwnas::cli {
namespace fs = std::filesystem;

namespace {

struct SpaceOptions {
  std::string space, out, genotype;
  int sample = 0;
  std::int64_t seed = 0;
  bool list = false, force = false;
};

// Into a new folder, built beside it and renamed when complete: a killed
// run leaves no half-written set.
std::vector<std::string> write_samples(const Space& s, const SpaceOptions& o) {
  const std::string out = check_output(o.out, OutputKind::Folder, false, {}, "--out");
  StagingFolder staging(out);
  std::vector<std::string> paths;
  Rng rng(std::uint64_t(o.seed));
  for (int i = 0; i < o.sample; ++i) {
    const std::string file = fmt::format("{}-{:04d}.arch.json", s.name, i);
    Arch a = decode(s, sample(s, rng));
    a.name = fmt::format("{}-{:04d}", s.name, i);
    save_arch(a, (fs::path(staging.path()) / file).string());
    paths.push_back((fs::path(out) / file).string());
  }
  staging.commit();
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
  if (!o.genotype.empty()) {
    const Genotype g = parse_genotype(s, o.genotype);
    const std::string out = check_output(o.out, OutputKind::File, o.force, {o.space}, "--out");
    Arch a = decode(s, g);
    // Single digits run together (NAS-Bench-201's ops code); else '_' between.
    std::string tag = format_genotype(g);
    const bool digits = std::all_of(g.begin(), g.end(), [](int x) { return x < 10; });
    if (digits) tag.erase(std::remove(tag.begin(), tag.end(), ','), tag.end());
    std::replace(tag.begin(), tag.end(), ',', '_');
    a.name = s.name + "-" + tag;
    save_arch(a, out);
    if (ctx.json) return print_json({{"arch", out}, {"genotype", g}});
    std::cout << "wrote " << out << "\n";
    return;
  }
  if (ctx.json) {
    json positions = json::array();
    for (std::size_t i = 0; i < s.positions.size(); ++i) {
      const Position& p = s.positions[i];
      json choices = json::array(), layers = json::array();
      for (std::size_t c = 0; c < p.choices.size(); ++c)
        choices.push_back(s.choice_name(int(i), int(c)));
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
    std::cout << (c.blocks > 0
                      ? fmt::format("cell {}: {} blocks, used {} times\n", c.name, c.blocks, c.uses)
                      : fmt::format("cell {}: {} nodes, {} edges, used {} times\n", c.name, c.nodes,
                                    c.edges.size(), c.uses));
  if (!s.additive())
    std::cout << "costs are priced on whole networks (block cells: a join's width depends on "
                 "the genotype)\n";
  std::size_t w = 8;
  for (const auto& p : s.positions) w = std::max(w, p.stage.size());
  std::cout << fmt::format("{:>4}  {:<{}} {:>12} {:>12}  {}\n", "pos", "stage", w, "in", "out",
                           "choices");
  for (std::size_t i = 0; i < s.positions.size(); ++i) {
    const auto& p = s.positions[i];
    const PositionUse& u = p.uses.front();  // a cell's later uses differ in width only
    std::vector<std::string> names;
    for (std::size_t c = 0; c < p.choices.size(); ++c)
      names.push_back(s.choice_name(int(i), int(c)));
    auto shape = [&](const Shape& x) {  // an input position has no shape of its own
      return p.kind == Position::Kind::Input ? std::string("-")
                                             : fmt::format("{}x{}x{}", x.c, x.h, x.w);
    };
    std::cout << fmt::format("{:>4}  {:<{}} {:>12} {:>12}  {}\n", i, p.stage, w, shape(u.in),
                             shape(u.out), join(names));
  }
  for (const auto& p : samples) std::cout << "wrote " << p << "\n";
}

}  // namespace

void register_space(CLI::App& app, Context& ctx) {
  auto o = std::make_shared<SpaceOptions>();
  auto* cmd = app.add_subcommand("space", "Summarise a search space; sample random architectures");
  auto* name = cmd->add_option("space", o->space, "Search space name or path");
  auto* list = cmd->add_flag("--list", o->list, "List the shipped search spaces");
  auto* sample =
      cmd->add_option("--sample", o->sample, "Write N random architectures (at most 100000)")
          ->check(CLI::Range(1, 100000));
  auto* out = cmd->add_option("--out", o->out, "Folder for --sample; file for --genotype");
  auto* geno = cmd->add_option("--genotype", o->genotype,
                               "Write this genotype's arch to --out (indices, or the space's own "
                               "form such as NAS-Bench-201's 334131)");
  cmd->add_flag("--force", o->force, "Replace an existing --genotype --out file");
  cmd->add_option("--seed", o->seed, "Seed for --sample")->check(seed_text());
  list->excludes(name);
  sample->needs(out);
  geno->needs(out);
  geno->excludes(sample);
  cmd->callback([o, &ctx] {
    if (!o->list && o->space.empty())
      throw CLI::ValidationError("space", "name a search space, or use --list");
    if (!o->out.empty() && o->sample == 0 && o->genotype.empty())
      throw CLI::ValidationError("--out", "--out goes with --sample N or --genotype G");
    ctx.run = [o, &ctx] { run_space(*o, ctx); };
  });
}

}  // namespace hwnas::cli
