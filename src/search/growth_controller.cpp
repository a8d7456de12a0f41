#include "hwnas/search/growth_controller.h"

#include <algorithm>

#include "hwnas/common/error.h"
#include "hwnas/search/reinforce.h"

namespace hwnas {

namespace {

int bucket(const std::vector<int>& list, int v) {
  auto it = std::find(list.begin(), list.end(), v);
  return it == list.end() ? int(list.size()) : int(it - list.begin());
}

class LstmPolicyImpl : public torch::nn::Module {
 public:
  LstmPolicyImpl(std::int64_t vocab, std::int64_t kernels) {
    embed = register_module("embed", torch::nn::Embedding(vocab, 16));
    encoder = register_module(
        "encoder",
        torch::nn::LSTM(torch::nn::LSTMOptions(16, 50).bidirectional(true).batch_first(true)));
    wider = register_module("wider", torch::nn::Linear(100, 1));
    decoder = register_module("decoder", torch::nn::LSTMCell(100, 100));
    attend_h = register_module("attend_h", torch::nn::Linear(100, 100));
    attend_d = register_module("attend_d", torch::nn::Linear(100, 100));
    attend_v = register_module("attend_v", torch::nn::Linear(100, 1));
    kernel = register_module("kernel", torch::nn::Linear(100, kernels));
  }
  // [layers, 100]: each layer read in the context of the whole net.
  torch::Tensor encode(const std::vector<std::int64_t>& tokens) {
    auto x = embed->forward(torch::tensor(tokens, torch::kLong)).unsqueeze(0);
    return std::get<0>(encoder->forward(x)).squeeze(0);
  }
  torch::nn::Embedding embed{nullptr};
  torch::nn::LSTM encoder{nullptr};
  torch::nn::Linear wider{nullptr}, attend_h{nullptr}, attend_d{nullptr}, attend_v{nullptr},
      kernel{nullptr};
  torch::nn::LSTMCell decoder{nullptr};
};
TORCH_MODULE(LstmPolicy);

class ReinforceController : public GrowthController {
 public:
  explicit ReinforceController(const GrowthOptions& o)
      : o_(o),
        policy_(growth_vocabulary(o), std::int64_t(o.kernels.size())),
        reinforce_(*policy_, {o.lr, o.entropy, o.baseline_decay}) {}

  GrowthAction widen(const GrowthView& v) override {
    const auto h = policy_->encode(v.tokens);
    const auto p = torch::sigmoid(policy_->wider->forward(h).squeeze(1)).clamp(1e-6, 1 - 1e-6);
    const auto take = torch::bernoulli(p.detach());
    std::vector<float> mask;
    for (bool b : v.can_widen) mask.push_back(b ? 1.0f : 0.0f);
    const auto m = torch::tensor(mask);
    // Masked layers take no decision: they add nothing to either term.
    GrowthAction a;
    a.log_prob = (m * (take * p.log() + (1 - take) * (1 - p).log())).sum();
    a.entropy = -(m * (p * p.log() + (1 - p) * (1 - p).log())).sum();
    for (std::size_t i = 0; i < mask.size(); ++i)
      if (mask[i] > 0 && take[std::int64_t(i)].item<float>() > 0.5f) a.widen.push_back(int(i));
    return a;
  }

  GrowthAction deepen(const GrowthView& v) override {
    const auto h = policy_->encode(v.tokens);
    // Decoder step 1 points at the layer to follow; step 2 picks the kernel.
    auto state = std::make_tuple(h.mean(0, true), torch::zeros({1, 100}));
    state = policy_->decoder->forward(torch::zeros({1, 100}), state);
    const auto d1 = std::get<0>(state);
    const auto scores =
        policy_->attend_v
            ->forward(torch::tanh(policy_->attend_h->forward(h) + policy_->attend_d->forward(d1)))
            .squeeze(1);
    auto [after, lp1, ent1] = masked_categorical(scores, v.can_deepen);
    state = policy_->decoder->forward(h[after].unsqueeze(0), state);
    const auto k_logits = policy_->kernel->forward(std::get<0>(state)).squeeze(0);
    auto [k, lp2, ent2] = masked_categorical(k_logits, std::vector<bool>(o_.kernels.size(), true));
    return {{}, after, k, lp1 + lp2, ent1 + ent2};
  }

  void update(const std::vector<torch::Tensor>& log_probs,
              const std::vector<torch::Tensor>& entropies,
              const std::vector<double>& rewards) override {
    reinforce_.update(log_probs, entropies, rewards);
  }
  void save(const std::string& path) override { reinforce_.save(path); }
  void load(const std::string& path) override { reinforce_.load(path); }

 private:
  const GrowthOptions& o_;
  LstmPolicy policy_;
  Reinforce reinforce_;
};

// Uniform actions: each widenable layer widened with probability 1/2, the
// layer to follow and the kernel uniform.
class RandomController : public GrowthController {
 public:
  explicit RandomController(const GrowthOptions& o) : o_(o) {}
  GrowthAction widen(const GrowthView& v) override {
    GrowthAction a{{}, -1, 0, torch::zeros({}), torch::zeros({})};
    for (std::size_t i = 0; i < v.can_widen.size(); ++i)
      if (v.can_widen[i] && torch::rand({1}).item<float>() < 0.5f) a.widen.push_back(int(i));
    return a;
  }
  GrowthAction deepen(const GrowthView& v) override {
    std::vector<int> where;
    for (std::size_t i = 0; i < v.can_deepen.size(); ++i)
      if (v.can_deepen[i]) where.push_back(int(i));
    HWNAS_ASSERT(!where.empty(), "deepen: nowhere to deepen");
    const auto pick = [](std::size_t n) {
      return std::size_t(torch::randint(std::int64_t(n), {1}).item<std::int64_t>());
    };
    const int after = where[pick(where.size())];
    return {{}, after, int(pick(o_.kernels.size())), torch::zeros({}), torch::zeros({})};
  }
  void update(const std::vector<torch::Tensor>&, const std::vector<torch::Tensor>&,
              const std::vector<double>&) override {}
  void save(const std::string&) override {}
  void load(const std::string&) override {}

 private:
  const GrowthOptions& o_;
};

}  // namespace

std::int64_t growth_vocabulary(const GrowthOptions& o) {
  return std::int64_t(op_names().size()) * std::int64_t(o.widths.size() + 1) *
         std::int64_t(o.kernels.size() + 1);
}

std::int64_t growth_token(const GrowthOptions& o, const Layer& l, int width) {
  const std::int64_t w = bucket(o.widths, width), k = bucket(o.kernels, l.k);
  return (std::int64_t(l.op) * std::int64_t(o.widths.size() + 1) + w) *
             std::int64_t(o.kernels.size() + 1) +
         k;
}

std::unique_ptr<GrowthController> make_growth_controller(const GrowthOptions& o,
                                                         std::uint64_t seed) {
  torch::manual_seed(seed);
  if (o.controller == "random") return std::make_unique<RandomController>(o);
  return std::make_unique<ReinforceController>(o);
}

}  // namespace hwnas
