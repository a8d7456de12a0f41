#include "hwnas/search/sequence_controller.h"

namespace hwnas {

namespace {

constexpr std::int64_t kHidden = 64;

class SequencePolicyImpl : public torch::nn::Module {
 public:
  explicit SequencePolicyImpl(const std::vector<int>& sizes) {
    std::int64_t total = 1;  // index 0: the start token
    for (int n : sizes) offsets.push_back(total), total += n;
    embed = register_module("embed", torch::nn::Embedding(total, kHidden));
    cell = register_module("cell", torch::nn::LSTMCell(kHidden, kHidden));
    heads = register_module("heads", torch::nn::ModuleList());
    for (int n : sizes) heads->push_back(torch::nn::Linear(kHidden, n));
  }
  torch::nn::Embedding embed{nullptr};
  torch::nn::LSTMCell cell{nullptr};
  torch::nn::ModuleList heads{nullptr};
  std::vector<std::int64_t> offsets;
};
TORCH_MODULE(SequencePolicy);

class ReinforceSequence : public SequenceController {
 public:
  ReinforceSequence(const std::vector<int>& sizes, const ReinforceSettings& s)
      : sizes_(sizes), policy_(sizes), reinforce_(*policy_, s) {}

  SequenceSample sample() override {
    SequenceSample out{{}, torch::zeros({}), torch::zeros({})};
    auto state = std::make_tuple(torch::zeros({1, kHidden}), torch::zeros({1, kHidden}));
    auto x = policy_->embed->forward(torch::zeros({1}, torch::kLong));
    for (std::size_t i = 0; i < sizes_.size(); ++i) {
      state = policy_->cell->forward(x, state);
      const auto logits =
          policy_->heads[i]->as<torch::nn::Linear>()->forward(std::get<0>(state)).squeeze(0);
      auto [pick, lp, ent] = masked_categorical(logits, std::vector<bool>(sizes_[i], true));
      out.choices.push_back(pick);
      out.log_prob = out.log_prob + lp;
      out.entropy = out.entropy + ent;
      x = policy_->embed->forward(torch::tensor({policy_->offsets[i] + pick}, torch::kLong));
    }
    return out;
  }
  void update(const std::vector<torch::Tensor>& log_probs,
              const std::vector<torch::Tensor>& entropies,
              const std::vector<double>& rewards) override {
    reinforce_.update(log_probs, entropies, rewards);
  }
  void save(const std::string& path) override { reinforce_.save(path); }
  void load(const std::string& path) override { reinforce_.load(path); }

 private:
  std::vector<int> sizes_;
  SequencePolicy policy_;
  Reinforce reinforce_;
};

class RandomSequence : public SequenceController {
 public:
  explicit RandomSequence(const std::vector<int>& sizes) : sizes_(sizes) {}
  SequenceSample sample() override {
    SequenceSample out{{}, torch::zeros({}), torch::zeros({})};
    for (int n : sizes_) out.choices.push_back(int(torch::randint(n, {1}).item<std::int64_t>()));
    return out;
  }
  void update(const std::vector<torch::Tensor>&, const std::vector<torch::Tensor>&,
              const std::vector<double>&) override {}
  void save(const std::string&) override {}
  void load(const std::string&) override {}

 private:
  std::vector<int> sizes_;
};

}  // namespace

std::unique_ptr<SequenceController> make_sequence_controller(const std::string& kind,
                                                             const std::vector<int>& sizes,
                                                             const ReinforceSettings& settings,
                                                             std::uint64_t seed) {
  torch::manual_seed(seed);
  if (kind == "random") return std::make_unique<RandomSequence>(sizes);
  return std::make_unique<ReinforceSequence>(sizes, settings);
}

}  // namespace hwnas
