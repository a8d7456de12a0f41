#pragma once
// REINFORCE (Williams 1992) as every controller in hwnas trains: a
// moving-average reward baseline, an entropy bonus, Adam; the policy's
// parameters, the optimizer and the baseline checkpointed together. The
// growth controller (EAS) and the co-exploration controller (NASAIC) are
// two policies over this one update.
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include <torch/torch.h>

namespace hwnas {

struct ReinforceSettings {
  double lr = 0.001;             ///< Adam's step
  double entropy = 0.01;         ///< weight of the entropy bonus
  double baseline_decay = 0.95;  ///< of the reward's moving average
};

class Reinforce {
 public:
  /// `policy` must outlive this object.
  Reinforce(torch::nn::Module& policy, const ReinforceSettings& s);
  /// One step over a batch of samples: each one's summed log-probability and
  /// entropy, and its reward. The first batch's mean reward starts the baseline.
  void update(const std::vector<torch::Tensor>& log_probs,
              const std::vector<torch::Tensor>& entropies, const std::vector<double>& rewards);
  /// Parameters, optimizer and baseline, atomically; load reads them back.
  void save(const std::string& path);
  void load(const std::string& path);
  double baseline() const { return baseline_; }

 private:
  torch::nn::Module& policy_;
  ReinforceSettings s_;
  std::unique_ptr<torch::optim::Adam> optimizer_;
  double baseline_ = 0;
  bool has_baseline_ = false;
};

/// A draw from softmax(`logits`) over the entries where `mask` is true: the
/// index, its log-probability and the distribution's entropy (scalars that
/// carry gradients to the logits). Uses torch's global generator.
std::tuple<int, torch::Tensor, torch::Tensor> masked_categorical(const torch::Tensor& logits,
                                                                 const std::vector<bool>& mask);

}  // namespace hwnas
