#include "hwnas/search/supernet_search.h"

#include <cmath>
#include <filesystem>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "hwnas/common/clock.h"
#include "hwnas/common/error.h"
#include "hwnas/common/launch_env.h"
#include "hwnas/nn/weights.h"
#include "hwnas/train/loader.h"
#include "hwnas/train/trainer.h"

namespace hwnas {
namespace fs = std::filesystem;

namespace {

std::vector<double> to_vector(const torch::Tensor& t) {
  auto c = t.detach().to(torch::kCPU, torch::kFloat64).contiguous();
  return {c.data_ptr<double>(), c.data_ptr<double>() + c.numel()};
}

int draw(const std::vector<double>& p, Rng& rng) {
  std::discrete_distribution<int> d(p.begin(), p.end());
  return d(rng);
}

torch::Tensor one_hot(int n, int i, const torch::TensorOptions& o) {
  auto t = torch::zeros({n}, o);
  t[i] = 1.0;
  return t;
}

// onehot(active) + w - stop_grad(w): the value of a binary gate, the
// gradient of w (ProxylessNAS' estimator, FBNet's straight-through).
torch::Tensor binary_gate(int active, const torch::Tensor& w) {
  return one_hot(int(w.size(0)), active, w.options()) + w - w.detach();
}

std::vector<int> all_but(int n, int skip) {
  std::vector<int> v;
  for (int j = 0; j < n; ++j)
    if (j != skip) v.push_back(j);
  return v;
}

// softmax((alpha + Gumbel noise) / tau), the noise from `rng`.
torch::Tensor gumbel_softmax(const torch::Tensor& alpha, double tau, Rng& rng) {
  std::uniform_real_distribution<double> u(1e-10, 1.0);
  std::vector<float> g(std::size_t(alpha.size(0)));
  for (auto& v : g) v = float(-std::log(-std::log(u(rng))));
  auto noise = torch::tensor(g).to(alpha.device());
  return torch::softmax((alpha + noise) / tau, 0);
}

Genotype most_probable(const std::vector<std::vector<double>>& probs) {
  Genotype g;
  for (const auto& p : probs) g.push_back(int(std::max_element(p.begin(), p.end()) - p.begin()));
  return g;
}

// The logits' current values, per position (for rescale_pairs).
std::vector<std::vector<double>> logit_values(Supernet& net) {
  std::vector<std::vector<double>> out;
  for (auto& a : net->logits()) out.push_back(to_vector(a));
  return out;
}

}  // namespace

void check_search_splits(const RunSetup& setup, const Datasets& data) {
  const int batch = setup.config.train.batch;
  if (data.train.size() < batch || data.val.size() < batch)
    throw InputError(
        setup.config.file,
        fmt::format("the train split ({} images) and the validation split ({} "
                    "images) must each hold at least one batch of {} (data.train_limit, "
                    "data.val_fraction, train.batch)",
                    data.train.size(), data.val.size(), batch));
}

std::vector<double> entropies(const std::vector<std::vector<double>>& probs) {
  std::vector<double> out;
  for (const auto& p : probs) {
    double h = 0;
    for (double v : p)
      if (v > 0) h -= v * std::log(v);
    out.push_back(h);
  }
  return out;
}

ExpectedCost::ExpectedCost(const CostTable& table, Metric metric) : fixed_(table.fixed()[metric]) {
  for (int p = 0; p < table.positions(); ++p) {
    std::vector<float> v;
    for (int c = 0; c < table.choices(p); ++c) v.push_back(float(table.entry(p, c)[metric]));
    per_position_.push_back(torch::tensor(v));
  }
}

torch::Tensor ExpectedCost::operator()(const std::vector<torch::Tensor>& weights) const {
  HWNAS_ASSERT(weights.size() == per_position_.size(), "ExpectedCost: one weight per position");
  torch::Tensor sum = torch::full({}, fixed_, weights[0].options());
  for (std::size_t p = 0; p < weights.size(); ++p)
    sum = sum + (weights[p] * per_position_[p].to(weights[p].device())).sum();
  return sum;
}

SearchLoss::SearchLoss(const RunSetup& s)
    : opt_(s.strategy_as<SupernetOptions>().loss),
      penalty_weight_(s.strategy_as<SupernetOptions>().penalty) {
  if (!opt_.model.empty()) {
    const CostTable& t = *s.models.at(opt_.model).table;
    latency_.emplace(t, Metric::LatencyMs);
    reference_ms_ = opt_.reference_ms > 0 ? opt_.reference_ms : t.min_cost().latency_ms();
    // The loss divides by it: a table of zeros (or a negative calibration)
    // would make every step NaN.
    if (!(reference_ms_ > 0))
      throw InputError(fmt::format("strategy.loss.model ({})", opt_.model),
                       fmt::format("the fastest network of the space costs {} ms; the latency "
                                   "loss needs a positive reference (set strategy.loss."
                                   "reference_ms, or check the table)",
                                   reference_ms_));
  }
  for (const auto& c : s.config.constraints) {
    const CostTable& t = *s.pricing().model_for(c).table;
    if (t.metrics().test(static_cast<int>(c.metric)))
      bounds_.push_back({ExpectedCost(t, c.metric), c.max, c.min});
  }
}

SearchLoss::Terms SearchLoss::operator()(const torch::Tensor& logits, const torch::Tensor& y,
                                         const std::vector<torch::Tensor>& w) const {
  Terms t;
  t.ce = torch::nn::functional::cross_entropy(logits, y);
  t.total = t.ce;
  t.expected_latency_ms = std::nan("");
  if (latency_) {
    torch::Tensor rel = (*latency_)(w) / reference_ms_;
    t.expected_latency_ms = rel.item<double>() * reference_ms_;
    if (opt_.form == "add")
      t.total = t.ce + opt_.lambda * rel;
    else if (opt_.form == "mul")
      t.total = t.ce * torch::pow(rel, opt_.beta);
    else  // fbnet; +1 keeps the log positive below the reference
      t.total = t.ce * opt_.alpha * torch::pow(torch::log(rel + 1.0), opt_.beta);
  }
  for (const auto& b : bounds_) {
    torch::Tensor e = b.cost(w);
    torch::Tensor r;
    if (b.max) r = torch::relu(e / *b.max - 1.0);
    if (b.min) {
      auto under = torch::relu(1.0 - e / *b.min);
      r = r.defined() ? r + under : under;
    }
    auto pen = penalty_weight_ * (r + r * r);
    t.penalty += pen.item<double>();
    t.total = t.total + pen;
  }
  return t;
}

double PathSampler::temperature(int epoch) const {
  return opt_.temperature * std::pow(opt_.temperature_decay, epoch);
}

std::vector<PathGate> PathSampler::weight_gates(Supernet& net, std::int64_t step, int epoch) const {
  Rng rng = seeded_rng(seed_, step, 1);
  std::vector<PathGate> gates(std::size_t(net->positions()));
  torch::NoGradGuard no_grad;
  for (int p = 0; p < net->positions(); ++p) {
    const torch::Tensor& alpha = net->mixed(p)->alpha;
    if (opt_.type == "proxyless") {
      gates[p].active = draw(to_vector(torch::softmax(alpha, 0)), rng);
      continue;
    }
    torch::Tensor w = gumbel_softmax(alpha, temperature(epoch), rng);
    if (opt_.mode == "hard") {
      gates[p].active = int(w.argmax().item<std::int64_t>());
    } else {
      gates[p].gates = w;
      gates[p].soft = true;
    }
  }
  return gates;
}

std::vector<PathGate> PathSampler::arch_gates(Supernet& net, std::int64_t step, int epoch,
                                              std::vector<torch::Tensor>& cost_weights,
                                              std::vector<std::vector<int>>& pairs) const {
  Rng rng = seeded_rng(seed_, step, 2);
  const int n_pos = net->positions();
  std::vector<PathGate> gates(static_cast<std::size_t>(n_pos));
  cost_weights.assign(std::size_t(n_pos), torch::Tensor());
  pairs.assign(std::size_t(n_pos), {});
  for (int p = 0; p < n_pos; ++p) {
    const torch::Tensor& alpha = net->mixed(p)->alpha;
    const int n = int(alpha.size(0));
    PathGate& g = gates[p];
    if (opt_.type == "fbnet") {
      torch::Tensor w = gumbel_softmax(alpha, temperature(epoch), rng);
      cost_weights[p] = w;
      if (opt_.mode == "soft") {
        g.gates = w;
        g.soft = true;
      } else {
        g.active = int(w.argmax().item<std::int64_t>());
        g.gates = binary_gate(g.active, w);
        g.probe = all_but(n, g.active);
      }
      continue;
    }
    torch::Tensor probs = torch::softmax(alpha, 0);
    cost_weights[p] = probs;
    if (n < 2) continue;  // nothing to choose: a plain path
    std::vector<double> pv = to_vector(probs);
    if (opt_.mode == "full_v2") {
      g.active = draw(pv, rng);
      g.gates = binary_gate(g.active, probs);
      g.probe = all_but(n, g.active);
      continue;
    }
    // two: a pair drawn without replacement, its probabilities renormalised
    const int a = draw(pv, rng);
    pv[std::size_t(a)] = 0;
    const int b = draw(pv, rng);
    auto idx = torch::tensor(std::vector<std::int64_t>{a, b}, torch::kInt64).to(alpha.device());
    torch::Tensor pair_probs = torch::softmax(alpha.index_select(0, idx), 0);
    torch::Tensor w = torch::zeros({n}, alpha.options()).scatter(0, idx, pair_probs);
    const int active = draw(to_vector(pair_probs), rng) == 0 ? a : b;
    g.active = active;
    g.gates = binary_gate(active, w);
    g.probe = {active == a ? b : a};
    pairs[p] = {a, b};
  }
  return gates;
}

void architecture_step(Supernet& net, const std::vector<torch::Tensor>& weights,
                       torch::optim::Optimizer& opt, const std::vector<std::vector<int>>& pairs,
                       const std::function<torch::Tensor()>& loss, Communicator& comm) {
  for (auto w : weights) w.requires_grad_(false);
  torch::Tensor l = loss();
  clear_grads(net->logits());
  l.backward();
  comm.average_gradients(net->logits());
  for (auto w : weights) w.requires_grad_(true);
  const auto old = logit_values(net);
  opt.step();
  rescale_pairs(net, pairs, old);
}

void rescale_pairs(Supernet& net, const std::vector<std::vector<int>>& pairs,
                   const std::vector<std::vector<double>>& old_logits) {
  torch::NoGradGuard no_grad;
  for (int p = 0; p < net->positions(); ++p) {
    if (pairs[p].size() != 2) continue;
    torch::Tensor alpha = net->mixed(p)->alpha;
    const int a = pairs[p][0], b = pairs[p][1];
    auto lse = [](double x, double y) {
      return std::max(x, y) + std::log1p(std::exp(-std::abs(x - y)));
    };
    const double before = lse(old_logits[p][a], old_logits[p][b]);
    const double after = lse(alpha[a].item<double>(), alpha[b].item<double>());
    alpha[a] -= (after - before);
    alpha[b] -= (after - before);
  }
}

SearchOutcome run_supernet_search(Supernet& net, const RunSetup& setup, const Datasets& data,
                                  const SearchRunOptions& opt, const RunDir& run) {
  const TrainConfig& cfg = setup.config.train;
  const auto& so = setup.strategy_as<SupernetOptions>();
  const std::uint64_t seed = setup.config.seed;
  check_search_splits(setup, data);
  LoaderOptions vlo;
  vlo.batch = cfg.batch;
  vlo.seed = seed + 1;
  vlo.mean = data.norm.mean;
  vlo.std = data.norm.std;
  Communicator& comm = opt.comm ? *opt.comm : local_communicator();
  vlo.rank = comm.rank();
  vlo.world = comm.size();
  BatchLoader val_loader(data.val, vlo);
  const std::int64_t vspe = val_loader.batches_per_epoch();
  // The engine's batches per epoch (global batches of cfg.batch per rank).
  const std::int64_t spe = std::max<std::int64_t>(1, data.train.size() / (cfg.batch * comm.size()));
  const std::int64_t warm = std::int64_t(so.warmup_epochs) * spe;

  // ProxylessNAS uses beta1 = 0, so that unsampled logits (zero gradient in
  // `two` mode) do not move on stale momentum.
  const double beta1 = so.type == "proxyless" ? 0.0 : 0.9;
  torch::optim::Adam aopt(
      net->logits(),
      torch::optim::AdamOptions(so.arch_lr).betas({beta1, 0.999}).eps(1e-8).weight_decay(0));
  // (HWNAS_FAULT=desync:R: rank R samples other paths, for the tests of the divergence check.)
  const PathSampler sampler(so, seed + (process_launch().fault_desync() ? 1 : 0));
  const SearchLoss search_loss(setup);
  const Pricing pricing = setup.pricing();
  const auto weights = net->weights();
  bool searchable = false;  // a space of single-choice positions has nothing to learn
  for (const auto& a : net->logits()) searchable = searchable || a.numel() > 1;

  struct Window {
    double arch_loss = 0, arch_correct = 0, arch_seen = 0, latency = 0, penalty = 0, steps = 0;
  } win;
  EngineHooks hooks;
  // Weight step: one sampled path (FBNet soft: the weighted mixture).
  std::string last_path;  // the path of the last weight step, for the ranks' sync check
  hooks.forward = [&](const torch::Tensor& x, std::int64_t step, int epoch) {
    auto gates = sampler.weight_gates(net, step, epoch);
    if (opt.comm && opt.comm->size() > 1) {
      last_path.clear();
      for (const auto& g : gates)
        last_path +=
            std::to_string(g.active) +
            (g.gates.defined() ? fmt::format(":{:.6g}", g.gates.sum().item<double>()) : "") + ",";
    }
    return net->forward(x, gates);
  };
  hooks.sync_state = [&] { return last_path; };
  // Architecture step on the validation split.
  hooks.after_step = [&](std::int64_t step, int epoch) {
    if (step < warm || (step - warm) % so.arch_every != 0 || !searchable) return;
    const std::int64_t k = (step - warm) / so.arch_every;
    Batch vb = val_loader.make(k / vspe, k % vspe);
    if (opt.device.is_cuda()) vb.x = vb.x.to(opt.device), vb.y = vb.y.to(opt.device);
    std::vector<torch::Tensor> cost_w;
    std::vector<std::vector<int>> pairs;
    auto agates = sampler.arch_gates(net, step, epoch, cost_w, pairs);
    torch::Tensor v_hat;
    SearchLoss::Terms terms;
    architecture_step(
        net, weights, aopt, pairs,
        [&] {
          v_hat = net->forward(vb.x, agates);
          terms = search_loss(v_hat, vb.y, cost_w);
          return terms.total;
        },
        comm);
    win.arch_loss += terms.ce.item<double>() * double(vb.y.size(0));
    win.arch_correct += v_hat.argmax(1).eq(vb.y).sum().item<double>();
    win.arch_seen += double(vb.y.size(0));
    win.latency += terms.expected_latency_ms;
    win.penalty += terms.penalty;
    win.steps += 1;
  };
  hooks.on_log = [&](json& e, std::string& line, std::int64_t step) {
    e["phase"] = step <= warm ? "warmup" : "search";
    e["entropy"] = entropies(net->probabilities());
    if (win.steps > 0) {
      e["arch_loss"] = win.arch_loss / win.arch_seen;
      e["arch_accuracy"] = win.arch_correct / win.arch_seen;
      e["penalty"] = win.penalty / win.steps;
      if (search_loss.has_latency()) e["expected_latency_ms"] = win.latency / win.steps;
      line = fmt::format(" | arch loss {:.4f} acc {:.1f}% E[lat] {:.3f} ms",
                         win.arch_loss / win.arch_seen, 100 * win.arch_correct / win.arch_seen,
                         win.latency / win.steps);
    }
    if (so.type == "fbnet") e["temperature"] = sampler.temperature(int((step - 1) / spe));
    win = Window{};
  };
  hooks.on_epoch_end = [&](std::int64_t step, int epoch) {
    const auto probs = net->probabilities();
    run.append("arch_probs.jsonl", {{"step", step},
                                    {"epoch", epoch},
                                    {"probs", probs},
                                    {"most_probable", most_probable(probs)},
                                    {"entropy", entropies(probs)},
                                    {"expected", pricing.expected(probs)}});
  };
  hooks.save = [&](torch::serialize::OutputArchive& ar) {
    torch::serialize::OutputArchive a;
    aopt.save(a);
    ar.write("arch_optimizer", a);
    if (opt.on_checkpoint) opt.on_checkpoint();
  };
  hooks.load = [&](torch::serialize::InputArchive& ar) {
    torch::serialize::InputArchive a;
    ar.read("arch_optimizer", a);
    aopt.load(a);
  };
  hooks.on_resume = [&](std::int64_t step) { run.truncate("arch_probs.jsonl", step); };

  EngineOptions eo = engine_options(cfg, setup.config.data, seed, opt.device);
  eo.resume = opt.resume;
  eo.checkpoint_every = opt.checkpoint_every;
  eo.log_every = opt.log_every;
  eo.stop_after = opt.stop_after;
  eo.comm = opt.comm;
  EngineResult r = run_engine(*net, weights, data.train, data.norm, eo, hooks, &run);
  SearchOutcome out;
  out.interrupted = r.interrupted;
  out.steps = r.steps;
  out.seconds = r.seconds;
  out.probs = net->probabilities();
  return out;
}

}  // namespace hwnas
