#include "hwnas/cost/latency_fit.h"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <map>
#include <unordered_map>

#include <fmt/format.h>

#include "hwnas/common/error.h"
#include "hwnas/common/files.h"
#include "hwnas/cost/bench_table.h"
#include "hwnas/ir/arch_json.h"
#include "hwnas/ir/liveness.h"
#include "hwnas/space/genotype.h"

namespace hwnas {

namespace {

std::string fnv1a_hex(const std::string& bytes) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : bytes) h = (h ^ c) * 1099511628211ull;
  return fmt::format("{:016x}", h);
}

// How often each table key of the space occurs in each network: the design
// matrix of the fit. Keys are the space's distinct layers, in that order,
// then the layers free at inference (skip, none, zero) as the networks first
// use them: a device may well spend time on them (NAS-Bench-201's reference
// code adds every edge's output into its node, an identity's or a zero's
// too), and the fit prices them as the data allow; a free layer every
// network holds alike is pooled like any other. With `live_only`, only the
// layers a constant-folding converter keeps are counted.
struct KeyCounts {
  std::vector<std::pair<Layer, Shape>> keys;
  std::vector<std::string> names;
  Eigen::MatrixXd counts;  // networks x keys
};

KeyCounts count_keys(const Space& space, const std::vector<Genotype>& gs, bool live_only) {
  KeyCounts kc;
  kc.keys = distinct_layers(space);
  std::unordered_map<std::string, Eigen::Index> index;
  for (const auto& [l, in] : kc.keys) {
    index.emplace(lut_key(l, in), Eigen::Index(kc.names.size()));
    kc.names.push_back(lut_key(l, in));
  }
  std::vector<std::vector<Eigen::Index>> used(gs.size());
  for (std::size_t i = 0; i < gs.size(); ++i) {
    const Arch a = decode(space, gs[i]);
    const auto shapes = infer_shapes(a);
    const auto live = live_only ? live_layers(a) : std::vector<bool>(a.layers.size(), true);
    for (std::size_t j = 0; j < a.layers.size(); ++j) {
      if (!live[j]) continue;
      std::string key = lut_key(a.layers[j], shapes[j].in);
      auto it = index.find(key);
      if (it == index.end()) {
        HWNAS_ASSERT(is_free_at_inference(a.layers[j], shapes[j].in),
                     "a network's layer is not among its space's layers");
        it = index.emplace(key, Eigen::Index(kc.names.size())).first;
        kc.keys.emplace_back(a.layers[j], shapes[j].in);
        kc.names.push_back(std::move(key));
      }
      used[i].push_back(it->second);
    }
  }
  kc.counts = Eigen::MatrixXd::Zero(Eigen::Index(gs.size()), Eigen::Index(kc.keys.size()));
  for (std::size_t i = 0; i < gs.size(); ++i)
    for (Eigen::Index j : used[i]) kc.counts(Eigen::Index(i), j) += 1;
  return kc;
}

// min 1/2 x'Qx - b'x subject to x >= 0, Q positive definite: Lawson and
// Hanson's active-set method on the normal equations.
Eigen::VectorXd nnls(const Eigen::MatrixXd& Q, const Eigen::VectorXd& b) {
  const Eigen::Index n = b.size();
  Eigen::VectorXd x = Eigen::VectorXd::Zero(n);
  std::vector<bool> passive(std::size_t(n), false);
  const double tol = 1e-12 * std::max(1.0, b.cwiseAbs().maxCoeff());
  auto solve_passive = [&]() {
    std::vector<Eigen::Index> p;
    for (Eigen::Index i = 0; i < n; ++i)
      if (passive[std::size_t(i)]) p.push_back(i);
    Eigen::MatrixXd Qp(Eigen::Index(p.size()), Eigen::Index(p.size()));
    Eigen::VectorXd bp(Eigen::Index(p.size()));
    for (std::size_t r = 0; r < p.size(); ++r) {
      bp(Eigen::Index(r)) = b(p[r]);
      for (std::size_t c = 0; c < p.size(); ++c)
        Qp(Eigen::Index(r), Eigen::Index(c)) = Q(p[r], p[c]);
    }
    const Eigen::VectorXd zp = Qp.ldlt().solve(bp);
    Eigen::VectorXd z = Eigen::VectorXd::Zero(n);
    for (std::size_t r = 0; r < p.size(); ++r) z(p[r]) = zp(Eigen::Index(r));
    return z;
  };
  for (int outer = 0; outer < 10 * int(n) + 10; ++outer) {
    const Eigen::VectorXd w = b - Q * x;
    Eigen::Index j = -1;
    for (Eigen::Index i = 0; i < n; ++i)
      if (!passive[std::size_t(i)] && w(i) > tol && (j < 0 || w(i) > w(j))) j = i;
    if (j < 0) break;
    passive[std::size_t(j)] = true;
    for (int inner = 0; inner < 10 * int(n) + 10; ++inner) {
      const Eigen::VectorXd z = solve_passive();
      double alpha = 1;
      bool feasible = true;
      for (Eigen::Index i = 0; i < n; ++i)
        if (passive[std::size_t(i)] && z(i) <= 0) {
          feasible = false;
          alpha = std::min(alpha, x(i) / std::max(x(i) - z(i), 1e-300));
        }
      if (feasible) {
        x = z;
        break;
      }
      x += alpha * (z - x);
      for (Eigen::Index i = 0; i < n; ++i)
        if (passive[std::size_t(i)] && x(i) <= 1e-15) passive[std::size_t(i)] = false, x(i) = 0;
    }
  }
  return x.cwiseMax(0.0);
}

// Rows scaled by 1 / measured: least squares on relative residuals, the
// error a latency bound cares about (10% of a 2 ms net matters as much as 10%
// of a 20 ms one). The scale is capped at 1 / (a tenth of the median), so a
// near-zero timing (NAS-Bench-201's Pixel 3 column holds 0.0033 ms among
// 10 ms networks) cannot outweigh every other row. The target is then
// w * measured, below 1 for such a row (it was once 1, as if the network
// took the capped time).
Eigen::VectorXd inverse(const std::vector<double>& ms) {
  const double floor_ms = 0.1 * median(ms);
  Eigen::VectorXd w(Eigen::Index(ms.size()));
  for (std::size_t i = 0; i < ms.size(); ++i) w(Eigen::Index(i)) = 1.0 / std::max(ms[i], floor_ms);
  return w;
}

LatencyTable empty_table(const Space& space, const Measurements& m, const FitOptions& opt,
                         const std::string& method) {
  LatencyTable t;
  t.space = space.name;
  t.statistic = "fitted";
  t.device.kind = "fitted";
  t.device.cpu_model = opt.device.empty() ? m.column : opt.device;
  t.live_layers_only = opt.live_only;
  t.protocol = {{"method", method},
                {"measurements", m.file},
                {"column", m.column},
                {"fnv1a64", m.hash},
                {"networks", m.ms.size()}};
  return t;
}

Agreement score(const Space& space, const LatencyFit& f, const Measurements& m) {
  return agreement(predict_latency(space, f.table, f.calib, m.genotypes), m.ms);
}

std::string op_type(const Layer& l) {
  std::string t(op_name(l.op));
  if (l.k) t += fmt::format(" k{}", l.k);
  if (l.op == Op::MBConv) t += fmt::format(" e{}", l.e);
  if (l.groups != 1) t += fmt::format(" g{}", l.groups);
  if (l.multi_input()) t += fmt::format(" x{}", l.inputs.size());
  return t;
}

}  // namespace

Measurements read_measurements(const std::string& path, const Space& space,
                               const std::string& column, const std::string& genotype_column) {
  BenchTable t = read_bench_table(path, space, column, genotype_column);
  Measurements m;
  m.file = path;
  m.column = column;
  m.hash = fnv1a_hex(read_text_file(path));
  std::map<Genotype, std::int64_t> seen;
  for (const auto& r : t.records) {
    const std::string where = fmt::format("{}:{}", path, r.line);
    if (!r.value)
      throw InputError(where, fmt::format("{}: no latency (blank cell); every row of a measurement "
                                          "file needs one, in ms",
                                          column));
    if (!(*r.value > 0))
      throw InputError(where,
                       fmt::format("{}: expected a latency > 0 ms, got {}", column, *r.value));
    const auto [it, fresh] = seen.emplace(r.genotype, r.line);
    if (!fresh)
      throw InputError(where, fmt::format("genotype {} was measured already on line {}; give each "
                                          "network once (average repeated timings first)",
                                          format_genotype(r.genotype), it->second));
    m.genotypes.push_back(r.genotype);
    m.ms.push_back(*r.value);
    m.lines.push_back(r.line);
  }
  return m;
}

Measurements first_networks(const Measurements& m, int k) {
  if (k < 1 || std::size_t(k) > m.ms.size())
    throw InputError(m.file, fmt::format("--shots {} asks for more networks than the file's {}", k,
                                         m.ms.size()));
  Measurements out = m;
  out.genotypes.resize(std::size_t(k));
  out.ms.resize(std::size_t(k));
  out.lines.resize(std::size_t(k));
  return out;
}

LatencyFit fit_latency_table(const Space& space, const Measurements& m, const FitOptions& opt) {
  const KeyCounts kc = count_keys(space, m.genotypes, opt.live_only);
  const Eigen::Index n = kc.counts.rows(), k = kc.counts.cols();
  LatencyFit f;
  f.terms = int(k);
  // Which terms the data can tell apart: never-used keys cannot be priced,
  // keys every network holds equally are the per-network term's, and a
  // rank-revealing QR of the rest (centred) finds the collinear ones.
  std::vector<Eigen::Index> varying;
  std::vector<std::string> unused;
  for (Eigen::Index j = 0; j < k; ++j) {
    const auto col = kc.counts.col(j);
    if (col.maxCoeff() == 0)
      unused.push_back(fmt::format("{} on {}x{}x{}", layer_summary(kc.keys[std::size_t(j)].first),
                                   kc.keys[std::size_t(j)].second.c,
                                   kc.keys[std::size_t(j)].second.h,
                                   kc.keys[std::size_t(j)].second.w));
    else if (col.maxCoeff() == col.minCoeff())
      f.pooled_into_network.push_back(kc.names[std::size_t(j)]);
    else
      varying.push_back(j);
  }
  const std::size_t needed = varying.size() + unused.size() + 1;
  if (std::size_t(n) < needed)
    throw InputError(m.file, fmt::format("{} networks cannot determine {} layer terms and the "
                                         "per-network term; the fit needs at least {} networks",
                                         n, needed - 1, needed));
  if (!unused.empty())
    throw InputError(m.file, fmt::format("no measured network uses {} of space {}'s layers, so the "
                                         "fit cannot price them (first: {}); measure networks that "
                                         "use them, or adapt a table from another device with "
                                         "--prior",
                                         unused.size(), space.name, unused.front()));
  Eigen::MatrixXd centred(n, Eigen::Index(varying.size()));
  for (std::size_t c = 0; c < varying.size(); ++c) {
    const auto col = kc.counts.col(varying[c]);
    centred.col(Eigen::Index(c)) = col.array() - col.mean();
  }
  // No varying term (one network, or networks that all hold the same
  // layers): only the per-network term is fitted, and there is nothing to
  // factorise (Eigen's QR of a matrix without columns reads out of bounds).
  if (!varying.empty()) {
    Eigen::ColPivHouseholderQR<Eigen::MatrixXd> qr(centred);
    qr.setThreshold(1e-9);
    f.identified = int(qr.rank());
    for (Eigen::Index c = qr.rank(); c < Eigen::Index(varying.size()); ++c)
      f.collinear.push_back(
          kc.names[std::size_t(varying[std::size_t(qr.colsPermutation().indices()(c))])]);
  }
  std::sort(f.collinear.begin(), f.collinear.end());

  // Unknowns: the varying keys' ms, then the per-network term.
  const Eigen::Index u = Eigen::Index(varying.size()) + 1;
  Eigen::MatrixXd A(n, u);
  for (std::size_t c = 0; c < varying.size(); ++c)
    A.col(Eigen::Index(c)) = kc.counts.col(varying[c]);
  A.col(u - 1).setOnes();
  const Eigen::VectorXd w = inverse(m.ms);
  const Eigen::MatrixXd Aw = w.asDiagonal() * A;
  Eigen::MatrixXd Q = Aw.transpose() * Aw;
  const double ridge = opt.ridge * Q.diagonal().mean();
  Q.diagonal().head(u - 1).array() += ridge;  // the per-network term is never shrunk
  // measured / measured, less where the weight is capped
  const Eigen::VectorXd y = w.cwiseProduct(Eigen::Map<const Eigen::VectorXd>(m.ms.data(), n));
  const Eigen::VectorXd x = nnls(Q, Aw.transpose() * y);

  f.table = empty_table(space, m, opt, "fit");
  std::vector<double> value(std::size_t(k), 0.0);
  for (std::size_t c = 0; c < varying.size(); ++c)
    value[std::size_t(varying[c])] = x(Eigen::Index(c));
  for (Eigen::Index j = 0; j < k; ++j)
    f.table.add({kc.keys[std::size_t(j)].first, kc.keys[std::size_t(j)].second,
                 value[std::size_t(j)], 0.0, std::int64_t(kc.counts.col(j).sum())});
  f.calib.per_network_ms = x(u - 1);
  f.calib.samples = n;
  f.in_sample = score(space, f, m);
  f.calib.fit_rmse_ms = f.in_sample.rmse;
  f.table.protocol.update(f.report());
  return f;
}

LatencyFit transfer_latency_table(const Space& space, const LatencyTable& prior,
                                  const LutCalibration& prior_calib, const Measurements& shots,
                                  const FitOptions& opt) {
  if (prior.space != space.name)
    throw InputError(prior.file,
                     fmt::format("is a table of space {}, not {}", prior.space, space.name));
  const KeyCounts kc = count_keys(space, shots.genotypes, opt.live_only);
  const Eigen::Index n = kc.counts.rows(), k = kc.counts.cols();
  // Prior ms of every key, and its op type.
  std::vector<double> prior_ms(static_cast<std::size_t>(k));
  std::vector<int> type_of(static_cast<std::size_t>(k));
  std::map<std::string, int> types;
  for (Eigen::Index j = 0; j < k; ++j) {
    const auto& [l, in] = kc.keys[std::size_t(j)];
    const LutEntry* e = prior.find(l, in);
    if (!e && is_free_at_inference(l, in)) {  // a measured table prices them at 0
      prior_ms[std::size_t(j)] = 0;
      type_of[std::size_t(j)] = types.emplace(op_type(l), int(types.size())).first->second;
      continue;
    }
    if (!e)
      throw InputError(prior.file,
                       fmt::format("has no entry for {} on {}x{}x{}, a layer of space {}",
                                   layer_summary(l), in.c, in.h, in.w, space.name));
    prior_ms[std::size_t(j)] = prior_calib.scale * e->value_ms + prior_calib.per_layer_ms;
    type_of[std::size_t(j)] = types.emplace(op_type(l), int(types.size())).first->second;
  }
  // Unknowns: a scale per op type, the per-network term, the common scale.
  const Eigen::Index t = Eigen::Index(types.size()), u = t + 2, net = t, common = t + 1;
  Eigen::MatrixXd A = Eigen::MatrixXd::Zero(n, u);
  for (Eigen::Index j = 0; j < k; ++j)
    A.col(type_of[std::size_t(j)]) += kc.counts.col(j) * prior_ms[std::size_t(j)];
  A.col(net).setOnes();
  const Eigen::VectorXd w = inverse(shots.ms);
  const Eigen::MatrixXd Aw = w.asDiagonal() * A;
  Eigen::MatrixXd Q = Aw.transpose() * Aw;
  // Penalties: each type's scale toward the common one, the per-network term
  // toward the prior's times the common scale (in relative units: divided by
  // the shots' mean latency).
  const double s = opt.transfer_strength;
  for (Eigen::Index i = 0; i < t; ++i)
    Q(i, i) += s, Q(common, common) += s, Q(i, common) -= s, Q(common, i) -= s;
  const double mean_ms = Eigen::Map<const Eigen::VectorXd>(shots.ms.data(), n).mean();
  const double c0 = prior_calib.per_network_ms;
  const double sc = s / (mean_ms * mean_ms);
  Q(net, net) += sc, Q(common, common) += sc * c0 * c0, Q(net, common) -= sc * c0,
      Q(common, net) -= sc * c0;
  Q.diagonal().array() += 1e-12 * Q.diagonal().mean();
  const Eigen::VectorXd y = w.cwiseProduct(Eigen::Map<const Eigen::VectorXd>(shots.ms.data(), n));
  const Eigen::VectorXd x = nnls(Q, Aw.transpose() * y);

  LatencyFit f;
  f.terms = int(k);
  f.identified = int(std::min<Eigen::Index>(t + 1, n));
  f.table = empty_table(space, shots, opt, "transfer");
  f.table.protocol["prior"] = prior.file;
  json scales = json::object();
  for (const auto& [name, i] : types) scales[name] = x(i);
  f.table.protocol["type_scales"] = scales;
  f.table.protocol["common_scale"] = x(common);
  for (Eigen::Index j = 0; j < k; ++j)
    f.table.add({kc.keys[std::size_t(j)].first, kc.keys[std::size_t(j)].second,
                 x(type_of[std::size_t(j)]) * prior_ms[std::size_t(j)], 0.0,
                 std::int64_t(kc.counts.col(j).sum())});
  f.calib.per_network_ms = x(net);
  f.calib.samples = n;
  f.in_sample = score(space, f, shots);
  f.calib.fit_rmse_ms = f.in_sample.rmse;
  f.table.protocol.update(f.report());
  return f;
}

json LatencyFit::report() const {
  return {{"terms", terms},
          {"identified", identified},
          {"per_network_ms", calib.per_network_ms},
          {"pooled_into_network", pooled_into_network},
          {"collinear", collinear},
          {"residuals",
           {{"rmse_ms", in_sample.rmse},
            {"mape", in_sample.mape},
            {"within_10pct", in_sample.within_10pct},
            {"kendall_tau", in_sample.kendall_tau}}}};
}

std::vector<double> predict_latency(const Space& space, const LatencyTable& table,
                                    const LutCalibration& calib,
                                    const std::vector<Genotype>& genotypes) {
  auto shared = std::make_shared<const LatencyTable>(table);
  const LutModel model(shared, calib, true);
  std::vector<double> out;
  out.reserve(genotypes.size());
  for (const auto& g : genotypes) out.push_back(model.network(decode(space, g)).latency_ms());
  return out;
}

std::optional<FlopsModelOptions> fit_flops(const std::vector<double>& macs,
                                           const std::vector<double>& ms) {
  HWNAS_ASSERT(macs.size() == ms.size(), "fit_flops sizes");
  double n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (std::size_t i = 0; i < ms.size(); ++i) {
    const double x = macs[i], y = ms[i];
    n += 1, sx += x, sy += y, sxx += x * x, sxy += x * y;
  }
  const double det = n * sxx - sx * sx;
  if (n < 3 || det <= 0) return std::nullopt;
  const double slope = (n * sxy - sx * sy) / det, icpt = (sy - slope * sx) / n;
  if (slope <= 0) return std::nullopt;
  FlopsModelOptions o;
  o.gmacs_per_s = 1.0 / (slope * 1e6);
  o.overhead_ms = icpt;
  return o;
}

std::vector<double> network_macs(const Space& space, const std::vector<Genotype>& genotypes) {
  std::vector<double> out;
  out.reserve(genotypes.size());
  for (const auto& g : genotypes) out.push_back(double(count_totals(decode(space, g)).macs));
  return out;
}

}  // namespace hwnas
