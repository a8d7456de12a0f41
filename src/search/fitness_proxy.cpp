// Fitness `proxy`: zero-cost scores of the untrained candidate, for
// searches where training each candidate costs too much.
#include <cmath>

#include "hwnas/nn/network.h"
#include "hwnas/search/entropy.h"
#include "hwnas/search/fitness.h"
#include "hwnas/search/fitness_options.h"
#include "hwnas/space/genotype.h"

namespace hwnas {

double synflow_score(const Arch& arch, std::uint64_t seed) {
  torch::NoGradGuard outer_off;  // set up weights without recording
  torch::manual_seed(seed);
  ArchNet net(arch);
  net->to(torch::kDouble);
  net->eval();  // fresh BN: an identity up to eps (a batch of one would zero it)
  for (auto& p : net->parameters()) p.abs_();
  torch::AutoGradMode on(true);
  for (auto& p : net->parameters()) p.set_requires_grad(true);
  const Shape in = arch.input;
  auto x = torch::ones({1, in.c, in.h, in.w}, torch::kDouble);
  net->forward(x).sum().backward();
  double total = 0;
  for (auto& p : net->parameters())  // conv and linear weights, as Abdelfattah et al. sum
    if (p.dim() > 1 && p.grad().defined()) total += (p * p.grad()).abs().sum().item<double>();
  return total > 0 && std::isfinite(total) ? std::log(total) : kNoPathScore;
}

namespace {

class ProxyFitness : public FitnessProvider {
 public:
  explicit ProxyFitness(const FitnessContext& ctx)
      : ctx_(ctx), opt_(dynamic_cast<const ProxyFitnessOptions&>(*ctx.setup.fitness)) {}

  std::optional<double> score(const Genotype& g) override {
    const Arch arch = decode(ctx_.setup.space, g);
    if (opt_.score == "entropy") return structural_entropy(arch);
    return synflow_score(arch, ctx_.setup.config.seed);
  }

 private:
  FitnessContext ctx_;
  const ProxyFitnessOptions& opt_;
};

}  // namespace

void register_proxy_fitness(FitnessRegistry& r) {
  r.add("proxy", [](const FitnessContext& ctx) { return std::make_unique<ProxyFitness>(ctx); });
}

}  // namespace hwnas
