// Fitness `supernet`: each candidate takes its weights from a trained
// supernet of the space (one-shot evaluation), re-estimates its BatchNorm
// statistics on a few training batches (the supernet's carry a mixture of
// paths) and is scored on the validation split. Milliseconds to seconds per
// candidate instead of a training each.
#include <filesystem>

#include "hwnas/common/error.h"
#include "hwnas/nn/weights.h"
#include "hwnas/search/fitness.h"
#include "hwnas/search/fitness_options.h"
#include "hwnas/search/supernet.h"
#include "hwnas/train/trainer.h"

namespace hwnas {

namespace {

class SupernetFitness : public FitnessProvider {
 public:
  explicit SupernetFitness(const FitnessContext& ctx)
      : ctx_(ctx), opt_(dynamic_cast<const SupernetFitnessOptions&>(*ctx.setup.fitness)) {
    const std::string path =
        (std::filesystem::path(opt_.run) / "checkpoints" / "last.ckpt").string();
    net_ = Supernet(ctx.setup.space, opt_.shared);
    torch::serialize::InputArchive ar, m;
    try {
      ar.load_from(path);
      ar.read("model", m);
    } catch (const c10::Error&) {
      throw InputError(path, "is not a hwnas supernet checkpoint");
    }
    read_tensors(*net_, m, path);
    net_->to(ctx.device);
    const std::int64_t n = opt_.val_images;
    val_ = n > 0 && n < ctx.data.val.size()
               ? stratified_limit(ctx.data.val, n, ctx.setup.config.seed)
               : ctx.data.val;
  }

  std::optional<double> score(const Genotype& g) override {
    Arch arch = decode(ctx_.setup.space, g);
    ArchNet child(arch);
    child->to(ctx_.device);
    net_->copy_into_child(g, child);
    recalibrate_batchnorm(child, ctx_.data.train, ctx_.data.norm, opt_.bn_batches, opt_.batch);
    return evaluate(child, val_, ctx_.data.norm).top1;
  }

 private:
  FitnessContext ctx_;
  const SupernetFitnessOptions& opt_;
  Supernet net_{nullptr};
  ImageSet val_;
};

}  // namespace

void register_supernet_fitness(FitnessRegistry& r) {
  r.add("supernet",
        [](const FitnessContext& ctx) { return std::make_unique<SupernetFitness>(ctx); });
}

}  // namespace hwnas
