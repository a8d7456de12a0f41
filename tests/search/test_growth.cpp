// Strategy `growth` with torch: the REINFORCE controller learns from rewards
// which layer to widen and where to deepen, its checkpoint restores it, and
// every shipped config (those with torch-timed cost models included) sets up.
#include <algorithm>
#include <filesystem>

#include <catch2/catch.hpp>

#include "../support.h"
#include "hwnas/accel/accel_model.h"
#include "hwnas/ir/arch_json.h"
#include "hwnas/profile/measured_model.h"
#include "hwnas/search/growth_controller.h"
#include "hwnas/setup/run_setup.h"

using namespace hwnas;
namespace fs = std::filesystem;

namespace {

// The EAS start net as the controller sees it: every layer may be widened
// or followed (the masks are the strategy's job; here all are open but the
// classifier's widening).
GrowthView start_view(const GrowthOptions& o) {
  const Arch a = load_arch(test::source_path("configs/growth/eas-start.arch.json"));
  GrowthView v;
  for (std::size_t i = 0; i < a.layers.size(); ++i) {
    v.tokens.push_back(growth_token(o, a.layers[i], a.layers[i].out));
    v.can_widen.push_back(i + 1 < a.layers.size());
    v.can_deepen.push_back(i + 1 < a.layers.size());
  }
  return v;
}

// How often, over `n` draws, layer 0 is widened and how often layer 3 gets a
// new layer of the second kernel after it.
std::pair<double, double> frequencies(GrowthController& c, const GrowthView& v, int n) {
  int wide = 0, deep = 0;
  torch::NoGradGuard no_grad;
  for (int i = 0; i < n; ++i) {
    const auto w = c.widen(v).widen;
    wide += std::find(w.begin(), w.end(), 0) != w.end();
    const auto d = c.deepen(v);
    deep += d.after == 3 && d.kernel == 1;
  }
  return {double(wide) / n, double(deep) / n};
}

}  // namespace

TEST_CASE("the growth controller learns from rewards which layer to widen and where to deepen",
          "[search][growth]") {
  GrowthOptions o;
  o.lr = 0.02;
  o.entropy = 0;
  const GrowthView v = start_view(o);
  auto c = make_growth_controller(o, 1);
  torch::manual_seed(2);
  const auto [wide0, deep0] = frequencies(*c, v, 200);
  // Rewarded: widening layer 0 (and nothing else), following layer 3 with kernel 3.
  for (int episode = 0; episode < 60; ++episode) {
    std::vector<torch::Tensor> lp, ent;
    std::vector<double> rewards;
    for (int k = 0; k < 8; ++k) {
      GrowthAction w = c->widen(v);
      GrowthAction d = c->deepen(v);
      const bool only0 = w.widen == std::vector<int>{0};
      lp.push_back(w.log_prob + d.log_prob);
      ent.push_back(w.entropy + d.entropy);
      rewards.push_back((only0 ? 1.0 : 0.0) + (d.after == 3 && d.kernel == 1 ? 1.0 : 0.0));
    }
    c->update(lp, ent, rewards);
  }
  const auto [wide1, deep1] = frequencies(*c, v, 200);
  INFO("widen layer 0: " << wide0 << " -> " << wide1 << "; after 3 with k3: " << deep0 << " -> "
                         << deep1);
  CHECK(wide0 < 0.75);
  CHECK(wide1 > 0.9);
  CHECK(deep0 < 0.2);
  CHECK(deep1 > 0.6);

  // The checkpoint restores policy, optimizer and baseline: a fresh
  // controller (other initial weights) that loads it draws the same actions
  // and takes the same next step.
  const std::string file = test::temp_dir("growth-ctrl") + "/controller.pt";
  c->save(file);
  auto d = make_growth_controller(o, 99);
  d->load(file);
  for (int i = 0; i < 5; ++i) {
    torch::manual_seed(100 + i);
    const GrowthAction a = c->deepen(v);
    torch::manual_seed(100 + i);
    const GrowthAction b = d->deepen(v);
    CHECK(a.after == b.after);
    CHECK(a.kernel == b.kernel);
    CHECK(a.log_prob.item<double>() == Approx(b.log_prob.item<double>()).epsilon(1e-6));
  }
  auto step = [&](GrowthController& x) {
    torch::manual_seed(7);
    GrowthAction w = x.widen(v);
    x.update({w.log_prob}, {w.entropy}, {2.0});
    torch::manual_seed(8);
    return x.widen(v).log_prob.item<double>();
  };
  CHECK(step(*c) == Approx(step(*d)).epsilon(1e-6));

  // The random controller takes its actions uniformly and learns nothing.
  GrowthOptions r = o;
  r.controller = "random";
  auto u = make_growth_controller(r, 1);
  torch::manual_seed(3);
  const auto [wr, dr] = frequencies(*u, v, 400);
  CHECK(wr == Approx(0.5).margin(0.1));
  CHECK(dr == Approx(1.0 / (8 * 3)).margin(0.04));
}

TEST_CASE("every shipped search config sets up with the cost models timed by torch",
          "[search][growth][config]") {
  CostModelRegistry reg;
  register_builtin_cost_models(reg);
  accel::register_accel_cost_models(reg);
  register_torch_cost_models(reg);
  const test::InFolder here(test::source_path(""));
  int growth = 0;
  for (auto& e : fs::directory_iterator(test::source_path("configs"))) {
    if (e.path().extension() != ".yaml") continue;
    INFO(e.path());
    RunConfig c = load_run_config(e.path().string());
    if (!c.strategy.node) continue;  // a training config (no search)
    RunSetup s = prepare_run(std::move(c), reg);
    CHECK(s.space.positions.size() > 0);
    if (s.strategy->type == "growth") {
      ++growth;
      CHECK(s.strategy_as<GrowthOptions>().start.layers.size() == 9);  // the EAS start net
    }
  }
  CHECK(growth == 1);
}
