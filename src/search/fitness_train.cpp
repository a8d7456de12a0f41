// Fitness `train`: each candidate trained from scratch on the search's train
// split for a few epochs with the engine, scored by top-1 on the validation
// split. The same initial seed for every candidate, so a score depends on
// the genotype alone.
#include <spdlog/spdlog.h>

#include "hwnas/search/fitness.h"
#include "hwnas/space/genotype.h"
#include "hwnas/train/trainer.h"

namespace hwnas {

namespace {

class TrainFitness : public FitnessProvider {
 public:
  explicit TrainFitness(const FitnessContext& ctx)
      : ctx_(ctx), opt_(dynamic_cast<const TrainFitnessOptions&>(*ctx.setup.fitness)) {
    const std::int64_t n = opt_.images;
    train_ = n > 0 && n < ctx.data.train.size()
                 ? stratified_limit(ctx.data.train, n, ctx.setup.config.seed)
                 : ctx.data.train;
  }

  std::optional<double> score(const Genotype& g) override {
    const RunConfig& c = ctx_.setup.config;
    Arch arch = decode(ctx_.setup.space, g);
    torch::manual_seed(c.seed);
    ArchNet net(arch);
    net->to(ctx_.device);
    net->set_channels_last(c.train.channels_last != "off");
    EngineOptions eo = engine_options(c.train, c.data, c.seed, ctx_.device);
    eo.cfg.epochs = opt_.epochs;
    eo.verbose = false;
    eo.comm = &ctx_.comm;
    EngineHooks hooks;
    hooks.forward = [&](const torch::Tensor& x, std::int64_t, int) { return net->forward(x); };
    EngineResult r =
        run_engine(*net, net->parameters(), train_, ctx_.data.norm, eo, hooks, nullptr);
    if (r.interrupted) return std::nullopt;
    return evaluate(net, ctx_.data.val, ctx_.data.norm).top1;
  }

 private:
  FitnessContext ctx_;
  const TrainFitnessOptions& opt_;
  ImageSet train_;
};

}  // namespace

void register_train_fitness(FitnessRegistry& r) {
  r.add("train", [](const FitnessContext& ctx) { return std::make_unique<TrainFitness>(ctx); });
}

const FitnessRegistry& builtin_fitness() {
  static const FitnessRegistry r = [] {
    FitnessRegistry r;
    register_train_fitness(r);
    register_table_fitness(r);
    register_proxy_fitness(r);
    register_supernet_fitness(r);
    return r;
  }();
  return r;
}

}  // namespace hwnas
