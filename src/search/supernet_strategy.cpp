// The supernet strategies (proxyless, fbnet) behind SearchStrategy: the
// supernet trained on the engine, its architecture distributions handed to
// the pipeline as log-probabilities, its shared weights to the picked child.
// State: whether the engine has checkpointed (model, both optimizers, step
// and generator in checkpoints/last.ckpt), i.e. where a resume starts.
#include <cmath>

#include <spdlog/spdlog.h>

#include "hwnas/search/strategy.h"
#include "hwnas/search/supernet_search.h"

namespace hwnas {

namespace {

class SupernetStrategy : public SearchStrategy {
 public:
  StrategyOutcome run(SearchContext& ctx) override {
    const RunSetup& s = ctx.setup;
    const auto& so = s.strategy_as<SupernetOptions>();
    torch::manual_seed(s.config.seed);
    net_ = Supernet(s.space, so.weights == "shared");
    net_->to(ctx.device);
    net_->set_channels_last(s.config.train.channels_last != "off");
    SearchRunOptions o;
    o.device = ctx.device;
    o.comm = &ctx.comm;
    o.resume = checkpointed_;
    o.on_checkpoint = [&] {
      checkpointed_ = true;
      ctx.save_state();
    };
    spdlog::info(
        "searching {} ({} positions, {} supernet weights) with {} {} on {} images, {} "
        "epochs ({} weight-only) -> {}",
        s.space.name, s.space.positions.size(), count_parameters(*net_), so.type, so.mode,
        ctx.data.train.size(), s.config.train.epochs, so.warmup_epochs, ctx.run.path());
    SearchOutcome r = run_supernet_search(net_, s, ctx.data, o, ctx.run);
    StrategyOutcome out;
    out.interrupted = r.interrupted;
    out.seconds = r.seconds;
    for (const auto& p : r.probs) {
      out.scores.emplace_back();
      for (double v : p) out.scores.back().push_back(std::log(std::max(v, 1e-300)));
    }
    out.summary = {{"steps", r.steps}, {"mode", so.mode}};
    return out;
  }

  json save_state() const override {
    return {{"checkpoint", checkpointed_ ? "checkpoints/last.ckpt" : ""}};
  }
  void load_state(const json& state) override {
    checkpointed_ = !state.at("checkpoint").get<std::string>().empty();
  }

  bool inherit_weights(const Genotype& g, ArchNet& child) override {
    net_->copy_into_child(g, child);
    return true;
  }

 private:
  Supernet net_{nullptr};
  bool checkpointed_ = false;
};

}  // namespace

void register_supernet_strategies(StrategyRegistry& r) {
  for (const char* type : {"proxyless", "fbnet"})
    r.add(type, [](const RunSetup&) { return std::make_unique<SupernetStrategy>(); });
}

}  // namespace hwnas
