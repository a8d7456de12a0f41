#include "hwnas/search/reinforce.h"

#include "hwnas/nn/weights.h"

namespace hwnas {

Reinforce::Reinforce(torch::nn::Module& policy, const ReinforceSettings& s)
    : policy_(policy), s_(s) {
  optimizer_ =
      std::make_unique<torch::optim::Adam>(policy.parameters(), torch::optim::AdamOptions(s.lr));
}

void Reinforce::update(const std::vector<torch::Tensor>& log_probs,
                       const std::vector<torch::Tensor>& entropies,
                       const std::vector<double>& rewards) {
  if (rewards.empty()) return;
  if (!has_baseline_) {
    baseline_ = 0;
    for (double r : rewards) baseline_ += r / double(rewards.size());
    has_baseline_ = true;
  }
  torch::Tensor loss = torch::zeros({});
  for (std::size_t i = 0; i < rewards.size(); ++i)
    loss = loss - (rewards[i] - baseline_) * log_probs[i] - s_.entropy * entropies[i];
  optimizer_->zero_grad();
  (loss / double(rewards.size())).backward();
  optimizer_->step();
  for (double r : rewards) baseline_ = s_.baseline_decay * baseline_ + (1 - s_.baseline_decay) * r;
}

void Reinforce::save(const std::string& path) {
  torch::serialize::OutputArchive ar;
  policy_.save(ar);
  torch::serialize::OutputArchive opt;
  optimizer_->save(opt);
  ar.write("optimizer", opt);
  ar.write("baseline", torch::tensor({baseline_, has_baseline_ ? 1.0 : 0.0}, torch::kDouble));
  save_archive_atomic(ar, path);
}

void Reinforce::load(const std::string& path) {
  torch::serialize::InputArchive ar;
  ar.load_from(path);
  policy_.load(ar);
  torch::serialize::InputArchive opt;
  ar.read("optimizer", opt);
  optimizer_->load(opt);
  torch::Tensor b;
  ar.read("baseline", b);
  baseline_ = b[0].item<double>();
  has_baseline_ = b[1].item<double>() > 0;
}

std::tuple<int, torch::Tensor, torch::Tensor> masked_categorical(const torch::Tensor& logits,
                                                                 const std::vector<bool>& mask) {
  std::vector<float> m;
  for (bool b : mask) m.push_back(b ? 0.0f : -1e9f);
  const auto lp = torch::log_softmax(logits + torch::tensor(m), 0);
  const int pick = int(torch::multinomial(lp.exp().detach(), 1).item<std::int64_t>());
  const auto ent = -(lp.exp() * lp).masked_fill(torch::tensor(m) < 0, 0).sum();
  return {pick, lp[pick], ent};
}

}  // namespace hwnas
