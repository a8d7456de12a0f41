// The sequence controller of strategy `coexplore` (an LSTM over a fixed
// sequence of categorical choices, trained by the REINFORCE update the
// growth controller shares): it learns a rewarded sequence where uniform
// draws do not, and its checkpoint restores the policy and the baseline.
#include <filesystem>

#include <catch2/catch.hpp>

#include "../support.h"
#include "hwnas/search/sequence_controller.h"

using namespace hwnas;

namespace {

// Reward: how many steps hit the target choice.
double hits(const std::vector<int>& choices, const std::vector<int>& target) {
  double n = 0;
  for (std::size_t i = 0; i < target.size(); ++i) n += choices[i] == target[i];
  return n;
}

// Mean reward of `n` draws, without learning.
double mean_reward(SequenceController& c, const std::vector<int>& target, int n) {
  torch::NoGradGuard no_grad;
  double sum = 0;
  for (int i = 0; i < n; ++i) sum += hits(c.sample().choices, target);
  return sum / n;
}

// `updates` REINFORCE steps of 10 samples each.
void train(SequenceController& c, const std::vector<int>& target, int updates) {
  for (int u = 0; u < updates; ++u) {
    std::vector<torch::Tensor> lps, ents;
    std::vector<double> rewards;
    for (int b = 0; b < 10; ++b) {
      SequenceSample s = c.sample();
      lps.push_back(s.log_prob);
      ents.push_back(s.entropy);
      rewards.push_back(hits(s.choices, target));
    }
    c.update(lps, ents, rewards);
  }
}

}  // namespace

TEST_CASE("the sequence controller learns a rewarded sequence; uniform draws stay uniform",
          "[search][coexplore]") {
  const std::vector<int> sizes = {3, 5, 2, 4, 6, 3};
  const std::vector<int> target = {2, 0, 1, 3, 5, 1};
  double uniform = 0;  // expected hits of a uniform draw
  for (int n : sizes) uniform += 1.0 / n;
  for (const std::string kind : {"reinforce", "random"}) {
    INFO(kind);
    auto c = make_sequence_controller(kind, sizes, {0.02, 0.0, 0.9}, 7);
    torch::manual_seed(1);
    const double before = mean_reward(*c, target, 400);
    train(*c, target, 60);
    const double after = mean_reward(*c, target, 400);
    const auto s = c->sample();
    REQUIRE(s.choices.size() == sizes.size());
    for (std::size_t i = 0; i < sizes.size(); ++i) CHECK(s.choices[i] < sizes[i]);
    CHECK(before == Approx(uniform).margin(0.25));
    if (kind == "reinforce") {
      CHECK(after > 4.5);  // of 6: most of the target drawn
      CHECK(s.log_prob.requires_grad());
    } else {
      CHECK(after == Approx(uniform).margin(0.25));
    }
  }
}

TEST_CASE("the sequence controller's checkpoint restores its policy", "[search][coexplore]") {
  const std::vector<int> sizes = {4, 4, 4};
  const std::vector<int> target = {1, 2, 3};
  auto a = make_sequence_controller("reinforce", sizes, {0.02, 0.01, 0.9}, 3);
  train(*a, target, 20);
  const std::string file = test::temp_dir("sequence-ckpt") + "/c.pt";
  a->save(file);
  auto b = make_sequence_controller("reinforce", sizes, {0.02, 0.01, 0.9}, 99);
  b->load(file);
  // The same draws and log-probabilities from the same generator state, and
  // the same next update (optimizer and baseline restored too).
  for (int round = 0; round < 2; ++round) {
    torch::manual_seed(5);
    const auto sa = a->sample();
    torch::manual_seed(5);
    const auto sb = b->sample();
    CHECK(sa.choices == sb.choices);
    CHECK(sa.log_prob.item<double>() == Approx(sb.log_prob.item<double>()).epsilon(1e-6));
    a->update({sa.log_prob}, {sa.entropy}, {hits(sa.choices, target)});
    b->update({sb.log_prob}, {sb.entropy}, {hits(sb.choices, target)});
  }
}
