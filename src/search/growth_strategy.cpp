// Strategy `growth` (EAS): the start net trained from scratch, then episodes
// of children, each grown from the best net so far by the controller's
// Net2Wider and Net2Deeper actions (function-preserving, so a child starts
// where its parent ended) and trained on for a few epochs. A child over a
// bound is rejected untrained with a negative reward (early rejection).
// candidates.jsonl holds every child with its parent, transformations and
// arch, and is the cache: a resumed run re-draws the episode's actions
// (seeded per child) and trains only the children it has no record of.
// Over several processes the children of an episode are shared out, each
// trained on one rank, and the lineage is that of one process.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <map>
#include <set>
#include <sstream>
#include <string_view>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "hwnas/common/files.h"
#include "hwnas/common/plot.h"
#include "hwnas/common/stop.h"
#include "hwnas/ir/arch_json.h"
#include "hwnas/nn/net2net.h"
#include "hwnas/nn/weights.h"
#include "hwnas/search/growth_controller.h"
#include "hwnas/search/strategy.h"
#include "hwnas/space/genotype.h"
#include "hwnas/train/engine.h"
#include "hwnas/train/loader.h"
#include "hwnas/train/trainer.h"

namespace hwnas {

namespace fs = std::filesystem;

namespace {

// One net of the lineage, as candidates.jsonl holds it.
struct Net {
  int id = 0, parent = -1, episode = -1;
  std::vector<std::string> transforms;
  Arch arch;
  bool trained = false, feasible = true;
  double accuracy = 0, reward = 0, seconds = 0;
  json costs;

  json to_json() const {
    return {{"id", id},
            {"parent", parent},
            {"episode", episode},
            {"transforms", transforms},
            {"trained", trained},
            {"feasible", feasible},
            {"val_accuracy", accuracy},
            {"reward", reward},
            {"seconds", seconds},
            {"costs", costs},
            {"arch", arch_to_json(arch)}};
  }
};

Net net_from_json(const json& j, const std::string& where) {
  Net n;
  n.id = j.at("id");
  n.parent = j.at("parent");
  n.episode = j.at("episode");
  n.transforms = j.at("transforms").get<std::vector<std::string>>();
  n.trained = j.at("trained");
  n.feasible = j.at("feasible");
  n.accuracy = j.at("val_accuracy");
  n.reward = j.at("reward");
  n.seconds = j.at("seconds");
  n.costs = j.at("costs");
  n.arch = read_arch(parse_json(j.at("arch").dump(), where));
  return n;
}

// The cache key: the network alone, without names or provenance.
std::string arch_key(const Arch& a) {
  Arch c = a;
  c.name.clear();
  c.space.clear();
  c.genotype.clear();
  c.preprocess.reset();
  return arch_to_json(c).dump();
}

// How far a net is over its bounds (`costs` flat: "model.metric"): the sum
// of value/bound - 1 over the constraints it misses (0: it meets them all).
double excess(const RunConfig& cfg, const json& costs) {
  double e = 0;
  for (const auto& c : cfg.constraints) {
    const double v = costs
                         .at((c.model.empty() ? "ir" : c.model) + "." +
                             metric_names()[static_cast<int>(c.metric)])
                         .get<double>();
    if (c.satisfied_by(v)) continue;
    const double bound = c.max && v > *c.max ? *c.max : *c.min;  // the side it misses
    e += bound != 0 ? std::abs(v / bound - 1) : 1;
  }
  return e;
}

class GrowthStrategy : public SearchStrategy {
 public:
  explicit GrowthStrategy(const RunSetup& s)
      : s_(s),
        o_(dynamic_cast<const GrowthOptions&>(*s.strategy)),
        controller_(make_growth_controller(o_, s.config.seed)) {}

  json save_state() const override { return {{"episode", episode_}}; }
  bool spreads_evaluations() const override { return true; }
  void load_state(const json& state) override { episode_ = state.value("episode", 0); }

  StrategyOutcome run(SearchContext& ctx) override {
    const auto t0 = std::chrono::steady_clock::now();
    ctx_ = &ctx;
    const RunConfig& c = s_.config;
    train_ = o_.images > 0 && o_.images < ctx.data.train.size()
                 ? stratified_limit(ctx.data.train, o_.images, c.seed)
                 : ctx.data.train;
    fs::create_directories(ctx.run.file("growth"));
    const std::string ctrl = ctx.run.file("growth/controller.pt");
    if (episode_ > 0 && fs::exists(ctrl)) controller_->load(ctrl);
    read_lineage();
    StrategyOutcome out;
    if (nets_.empty()) {
      Net start;
      start.arch = o_.start;
      start.arch.space.clear();
      start.arch.genotype.clear();
      torch::manual_seed(c.seed);
      ArchNet net(start.arch);
      std::vector<Net> batch{start};
      if (!evaluate_batch(batch, {tensors_of(net)}, o_.start_epochs)) return interrupted(out, t0);
      spdlog::info("growth: start net {:.2f}% on the validation split",
                   100 * nets_.front().accuracy);
    }
    for (; episode_ < o_.episodes; ctx.save_state()) {
      const int parent = best(episode_);
      // The children of an episode grow from one parent with actions drawn
      // per child, so they are independent: grow them all, then train the
      // new ones (spread over the ranks), then reward the controller.
      std::vector<Child> children;
      std::vector<Net> todo;
      std::vector<NamedTensors> todo_weights;
      std::set<std::string> queued;
      for (int k = 0; k < o_.children; ++k) {
        if (stop_requested()) return interrupted(out, t0);
        children.push_back(grow(parent, k));
        const std::string key = arch_key(children.back().net.arch);
        if (!cache_.count(key) && queued.insert(key).second) {
          todo.push_back(children.back().net);
          todo_weights.push_back(children.back().weights);
        }
      }
      if (!evaluate_batch(todo, todo_weights, o_.epochs)) return interrupted(out, t0);
      std::vector<torch::Tensor> log_probs, entropies;
      std::vector<double> rewards;
      for (const Child& child : children) {
        log_probs.push_back(child.log_prob);
        entropies.push_back(child.entropy);
        rewards.push_back(nets_[std::size_t(cache_.at(arch_key(child.net.arch)))].reward);
      }
      controller_->update(log_probs, entropies, rewards);
      controller_->save(ctrl);
      ++episode_;
      const Net& b = nets_[std::size_t(best())];
      spdlog::info("growth: episode {}/{}: best net {} at {:.2f}% ({} params)", episode_,
                   o_.episodes, b.id, 100 * b.accuracy, analyze(b.arch).params);
    }
    write_lineage();
    const Net& b = nets_[std::size_t(best())];
    out.network = b.arch;
    out.network_weights = weights_file(b.id);
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    out.summary = summary();
    return out;
  }

 private:
  struct Child {
    Net net;
    NamedTensors weights;
    torch::Tensor log_prob, entropy;
  };

  StrategyOutcome& interrupted(StrategyOutcome& out,
                               std::chrono::steady_clock::time_point t0) const {
    out.interrupted = true;
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    ctx_->save_state();
    return out;
  }

  std::string weights_file(int id) const {
    return ctx_->run.file(fmt::format("growth/net-{}.weights", id));
  }

  static NamedTensors tensors_of(ArchNet& net) { return module_tensors(*net); }

  // The best trained net that meets every bound (the start net does), among
  // those grown before `episode` (a resumed episode grows from the parent
  // the interrupted one had).
  int best(int episode = std::numeric_limits<int>::max()) const {
    int b = 0;
    for (const Net& n : nets_)
      if (n.episode < episode && n.trained && n.feasible &&
          n.accuracy > nets_[std::size_t(b)].accuracy)
        b = n.id;
    return b;
  }

  void read_lineage() {
    const std::string path = ctx_->run.file("candidates.jsonl");
    if (!fs::exists(path)) return;
    std::istringstream in(read_text_file(path));
    int line_no = 0;
    for (std::string line; std::getline(in, line);) {
      ++line_no;
      if (line.empty()) continue;
      const std::string where = fmt::format("{}:{}", path, line_no);
      json j;
      try {
        j = json::parse(line);
      } catch (const json::exception& e) {
        throw InputError(where, std::string("not a JSON record: ") + e.what());
      }
      Net n = net_from_json(j, where);
      cache_[arch_key(n.arch)] = n.id;
      nets_.push_back(std::move(n));
    }
  }

  // What the controller sees: a token per layer, where each action applies.
  GrowthView view_of(const Arch& a) const {
    GrowthView v;
    for (int i = 0; i < int(a.layers.size()); ++i) {
      const auto part = widen_part(a, i);
      const int width = part ? current_width(a, i, *part) : a.layers[std::size_t(i)].out;
      v.tokens.push_back(growth_token(o_, a.layers[std::size_t(i)], width));
      v.can_widen.push_back(part && next_width(width) > 0);
      v.can_deepen.push_back(deepen_refusal(a, i).empty());
    }
    return v;
  }

  // An MBConv widens its expansion; conv and linear their output.
  static std::optional<WidenPart> widen_part(const Arch& a, int i) {
    for (WidenPart p : {WidenPart::Mid, WidenPart::Out})
      if (widen_refusal(a, i, p).empty()) return p;
    return std::nullopt;
  }

  int next_width(int width) const {
    for (int w : o_.widths)
      if (w > width) return w;
    return 0;
  }

  // A child of `parent`: the controller's actions, drawn from generators
  // seeded by (seed, episode, child), so a resumed run draws them again.
  Child grow(int parent, int k) {
    const Net& p = nets_[std::size_t(parent)];
    const std::int64_t index = std::int64_t(episode_) * o_.children + k;
    torch::manual_seed(s_.config.seed * 1000003 + std::uint64_t(index));
    Rng rng = seeded_rng(s_.config.seed, index, 0x67726F77);
    ArchNet pnet(p.arch);
    load_weights(*pnet, weights_file(parent));
    Child c;
    c.net.parent = parent;
    c.net.episode = episode_;
    c.net.arch = p.arch;
    c.weights = tensors_of(pnet);
    c.log_prob = torch::zeros({});
    c.entropy = torch::zeros({});
    for (int step = 0; step < o_.widen_steps; ++step) {
      const GrowthView v = view_of(c.net.arch);
      if (std::find(v.can_widen.begin(), v.can_widen.end(), true) == v.can_widen.end()) break;
      GrowthAction a = controller_->widen(v);
      c.log_prob = c.log_prob + a.log_prob;
      c.entropy = c.entropy + a.entropy;
      for (int layer : a.widen) {
        const auto part = widen_part(c.net.arch, layer);
        if (!part) continue;  // an earlier widening of this step changed it
        const int to = next_width(current_width(c.net.arch, layer, *part));
        if (to == 0) continue;
        apply(c, widen(c.net.arch, c.weights, {layer, *part, to, o_.noise}, rng));
      }
    }
    for (int step = 0; step < o_.deepen_steps; ++step) {
      const GrowthView v = view_of(c.net.arch);
      if (std::find(v.can_deepen.begin(), v.can_deepen.end(), true) == v.can_deepen.end()) break;
      GrowthAction a = controller_->deepen(v);
      c.log_prob = c.log_prob + a.log_prob;
      c.entropy = c.entropy + a.entropy;
      const auto [mean, var] = output_stats(c, a.after);
      apply(c, deepen(c.net.arch, c.weights,
                      {a.after, Op::Conv, o_.kernels[std::size_t(a.kernel)], 1}, mean, var));
    }
    return c;
  }

  static void apply(Child& c, Grown g) {
    c.net.arch = std::move(g.arch);
    c.weights = std::move(g.weights);
    c.net.transforms.push_back(g.what);
  }

  // Layer `after`'s per-channel output mean and variance on one training
  // batch, for the new identity layer's BN.
  std::pair<torch::Tensor, torch::Tensor> output_stats(const Child& c, int after) const {
    ArchNet net(c.net.arch);
    load_tensors(*net, c.weights);
    net->eval();
    LoaderOptions lo;
    lo.batch = int(std::min<std::int64_t>(128, train_.size()));
    lo.seed = s_.config.seed;
    lo.mean = ctx_->data.norm.mean;
    lo.std = ctx_->data.norm.std;
    BatchLoader loader(train_, lo);
    torch::NoGradGuard no_grad;
    const auto h = net->forward_until(loader.make(0, 0).x, after);
    return {h.mean({0, 2, 3}), h.var({0, 2, 3}, false)};
  }

  // Evaluates `batch` (an episode's new children, or the start net) and
  // records the nets in order. One process: each as it is trained, so an
  // interrupt loses at most one. Several: net i on rank i mod WORLD_SIZE
  // alone, so the lineage is one process's; the trained weights then travel
  // to every rank (later children grow from them), and an interrupt on any
  // rank loses the batch. False when interrupted.
  bool evaluate_batch(std::vector<Net>& batch, const std::vector<NamedTensors>& weights,
                      int epochs) {
    Communicator& comm = ctx_->comm;
    const int first_id = int(nets_.size());
    if (comm.size() == 1) {
      for (std::size_t i = 0; i < batch.size(); ++i) {
        batch[i].id = first_id + int(i);
        if (!train_child(batch[i], weights[i], epochs)) return false;
        record(batch[i]);
      }
      return true;
    }
    json mine = json::array();
    std::string blobs;
    bool stopped = false;
    for (std::size_t i = std::size_t(comm.rank()); i < batch.size() && !stopped;
         i += std::size_t(comm.size())) {
      batch[i].id = first_id + int(i);
      stopped = !train_child(batch[i], weights[i], epochs);
      if (stopped) break;
      std::string bytes = batch[i].trained ? read_bytes(weights_file(batch[i].id)) : "";
      mine.push_back({{"i", i}, {"net", batch[i].to_json()}, {"bytes", bytes.size()}});
      blobs += bytes;
    }
    if (comm.any(stopped)) return false;
    // Each rank's part: a JSON line of its nets, then their weights' bytes.
    for (const std::string& part : comm.all_gather(mine.dump() + '\n' + blobs)) {
      const std::size_t nl = part.find('\n');
      std::size_t at = nl + 1;
      for (const json& rec : json::parse(part.substr(0, nl))) {
        const std::size_t i = rec.at("i"), n = rec.at("bytes");
        const int owner = int(i % std::size_t(comm.size()));
        if (owner != comm.rank()) {
          batch[i] = net_from_json(rec.at("net"), fmt::format("rank {}", owner));
          if (n > 0)
            write_file_atomic(weights_file(batch[i].id), std::string_view(part).substr(at, n));
        }
        at += n;
      }
    }
    for (const Net& n : batch) record(n);
    return true;
  }

  void record(const Net& n) {
    ctx_->run.append("candidates.jsonl", n.to_json());
    cache_[arch_key(n.arch)] = n.id;
    nets_.push_back(n);
    spdlog::info("growth: net {} (from {}): {}", n.id, n.parent,
                 n.feasible ? fmt::format("{:.2f}% in {:.0f} s", 100 * n.accuracy, n.seconds)
                            : "over a bound, rejected untrained");
  }

  static std::string read_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  // Prices the net; trains it (from `weights`, on this process alone) when
  // it meets every bound, and saves its weights. False when interrupted.
  bool train_child(Net& n, const NamedTensors& weights, int epochs) {
    const auto t0 = std::chrono::steady_clock::now();
    const RunConfig& c = s_.config;
    n.costs = s_.pricing().flat_costs(n.arch);
    const double over = excess(c, n.costs);
    n.feasible = over == 0;
    if (!n.feasible) {
      n.reward = -o_.penalty * over;
    } else {
      ArchNet net(n.arch);
      load_tensors(*net, weights);
      net->to(ctx_->device);
      net->set_channels_last(c.train.channels_last != "off");
      EngineOptions eo = engine_options(c.train, c.data, c.seed, ctx_->device);
      eo.cfg.epochs = epochs;
      eo.verbose = false;
      eo.comm = &local_communicator();
      EngineHooks hooks;
      hooks.forward = [&](const torch::Tensor& x, std::int64_t, int) { return net->forward(x); };
      if (run_engine(*net, net->parameters(), train_, ctx_->data.norm, eo, hooks, nullptr)
              .interrupted)
        return false;
      n.accuracy = evaluate(net, ctx_->data.val, ctx_->data.norm).top1;
      n.reward = std::tan(std::min(n.accuracy, 0.999) * M_PI / 2);  // EAS's reward transform
      n.trained = true;
      net->set_channels_last(false);
      save_weights(*net, weights_file(n.id));
    }
    n.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return true;
  }

  // growth/lineage.dot (every net, rejected ones dashed) and
  // growth/lineage.png (validation accuracy by net, parent to child).
  void write_lineage() const {
    std::string dot = "digraph lineage {\n  rankdir=LR;\n  node [shape=box];\n";
    Plot plot{"growth lineage: each child from its parent",
              "net (in order of growth)",
              "validation top-1 (%)",
              {},
              {},
              900,
              560};
    PlotSeries trained{"trained", {}, "", "points pt 7 ps 1.0"};
    for (const Net& n : nets_) {
      dot += fmt::format("  n{} [label=\"{}: {}\"{}];\n", n.id, n.id,
                         n.trained ? fmt::format("{:.2f}%", 100 * n.accuracy) : "over a bound",
                         n.feasible ? "" : ", style=dashed");
      if (n.parent >= 0) {
        std::string label;
        for (const auto& t : n.transforms) label += (label.empty() ? "" : "\\n") + t;
        dot += fmt::format("  n{} -> n{} [label=\"{}\"];\n", n.parent, n.id, label);
        if (n.trained)
          plot.series.push_back(
              {"",
               {{n.parent, 100 * nets_[std::size_t(n.parent)].accuracy}, {n.id, 100 * n.accuracy}},
               "",
               "lines lc rgb 'gray'"});
      }
      if (n.trained) trained.points.push_back({n.id, 100 * n.accuracy});
    }
    plot.series.push_back(trained);
    write_file_atomic(ctx_->run.file("growth/lineage.dot"), dot + "}\n");
    write_plot_png(plot, ctx_->run.file("growth/lineage.png"));
  }

  json summary() const {
    int trained = 0, rejected = 0;
    for (const Net& n : nets_) (n.trained ? trained : rejected) += n.id > 0 ? 1 : 0;
    const Net& start = nets_.front();
    const Net& b = nets_[std::size_t(best())];
    return {{"controller", o_.controller},
            {"episodes", episode_},
            {"children_trained", trained},
            {"children_rejected", rejected},
            {"start_val_accuracy", start.accuracy},
            {"best_val_accuracy", b.accuracy},
            {"best_net", b.id},
            {"start_params", analyze(start.arch).params},
            {"best_params", analyze(b.arch).params},
            {"lineage", "growth/lineage.dot"}};
  }

  const RunSetup& s_;
  const GrowthOptions& o_;
  std::unique_ptr<GrowthController> controller_;
  SearchContext* ctx_ = nullptr;
  ImageSet train_;
  std::vector<Net> nets_;
  std::map<std::string, int> cache_;
  int episode_ = 0;
};

}  // namespace

void register_growth_strategy(StrategyRegistry& r) {
  r.add("growth", [](const RunSetup& s) { return std::make_unique<GrowthStrategy>(s); });
}

}  // namespace hwnas
