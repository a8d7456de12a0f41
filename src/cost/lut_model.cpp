#include "hwnas/cost/lut_model.h"

#include <unistd.h>

#include <Eigen/Dense>
#include <algorithm>
#include <fstream>
#include <optional>
#include <thread>
#include <tuple>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "hwnas/common/error.h"
#include "hwnas/ir/liveness.h"

namespace hwnas {

json LutCalibration::to_json(const std::string& table) const {
  return {{"format", kCalibFormat},
          {"table", table},
          {"scale", scale},
          {"per_layer_ms", per_layer_ms},
          {"per_network_ms", per_network_ms},
          {"samples", samples},
          {"fit_rmse_ms", fit_rmse_ms},
          {"points", points}};
}

LutCalibration LutCalibration::read(const Document& doc) {
  Fields f = Value(doc, doc.root, "", "").as_object();
  auto fv = f.get("format");
  if (fv.as_string() != kCalibFormat)
    fv.fail(
        fmt::format("unsupported format '{}'; this hwnas reads {}", fv.as_string(), kCalibFormat));
  LutCalibration c;
  f.get_string("table");
  c.scale = f.get_number("scale", kCalibScaleMin, kCalibScaleMax);
  // Negative overheads would price some networks below zero.
  c.per_layer_ms = f.get_number("per_layer_ms", 0, 1e3);
  c.per_network_ms = f.get_number("per_network_ms", 0, 1e6);
  c.samples = f.get_int("samples", 0, INT64_MAX, 0);
  c.fit_rmse_ms = f.get_number("fit_rmse_ms", 0, 1e9, 0);
  if (auto p = f.find("points")) c.points = p->raw();
  f.finish();
  return c;
}

namespace {
/// Ridge-stabilised least squares; a whisper of ridge keeps the fit defined
/// when a column does not vary (e.g. every network has the same layer count).
Eigen::VectorXd solve_ls(const Eigen::MatrixXd& A, const Eigen::VectorXd& y) {
  Eigen::MatrixXd AtA = A.transpose() * A;
  AtA.diagonal().array() += 1e-9 * std::max(AtA.diagonal().maxCoeff(), 1e-300);
  return AtA.ldlt().solve(A.transpose() * y);
}
}  // namespace

LutCalibration fit_calibration(const std::vector<double>& sums, const std::vector<double>& layers,
                               const std::vector<double>& measured) {
  HWNAS_ASSERT(sums.size() == measured.size() && layers.size() == measured.size(),
               "calibration sizes");
  const int n = int(measured.size());
  HWNAS_ASSERT(n >= 3, "calibration needs at least 3 networks");
  Eigen::MatrixXd A(n, 3);
  Eigen::VectorXd y(n);
  for (int i = 0; i < n; ++i)
    A(i, 0) = sums[i], A(i, 1) = layers[i], A(i, 2) = 1.0, y(i) = measured[i];
  // Overheads are never negative on a device, and a fit that makes them so
  // (noise over a narrow range of layer counts) predicts negative latency for
  // networks outside that range. The problem is convex with a box on each
  // variable, so its optimum is the least-squares fit on one face of the box:
  // each variable free or at a bound it crossed. The best feasible face wins.
  const double lo[3] = {kCalibScaleMin, 0, 0}, hi[3] = {kCalibScaleMax, INFINITY, INFINITY};
  // Face `face` in base 3: per variable 0 free, 1 at its lower bound, 2 at its
  // upper one. Empty when the face does not exist or its fit leaves the box.
  auto fit_on_face = [&](int face) -> std::optional<Eigen::Vector3d> {
    Eigen::Vector3d x;
    std::vector<Eigen::Index> free_vars;
    Eigen::VectorXd rest = y;
    for (int v = 0; v < 3; ++v, face /= 3) {
      if (face % 3 == 0) {
        free_vars.push_back(v);
        continue;
      }
      x(v) = face % 3 == 1 ? lo[v] : hi[v];
      if (!std::isfinite(x(v))) return std::nullopt;
      rest -= x(v) * A.col(v);
    }
    if (!free_vars.empty()) {
      Eigen::MatrixXd F(n, Eigen::Index(free_vars.size()));
      for (Eigen::Index j = 0; j < F.cols(); ++j) F.col(j) = A.col(free_vars[std::size_t(j)]);
      const Eigen::VectorXd z = solve_ls(F, rest);
      for (Eigen::Index j = 0; j < F.cols(); ++j) x(free_vars[std::size_t(j)]) = z(j);
    }
    for (int v = 0; v < 3; ++v)
      if (!(x(v) >= lo[v] && x(v) <= hi[v])) return std::nullopt;
    return x;
  };
  Eigen::Vector3d x(1, 0, 0);
  double best = INFINITY;
  for (int face = 0; face < 27; ++face)
    if (auto cand = fit_on_face(face))
      if (const double r = (A * *cand - y).squaredNorm(); r < best) best = r, x = *cand;
  LutCalibration c;
  c.scale = x(0), c.per_layer_ms = x(1), c.per_network_ms = x(2);
  c.samples = n;
  c.fit_rmse_ms = std::sqrt((A * x - y).squaredNorm() / n);
  for (int i = 0; i < n; ++i)
    c.points.push_back({{"lut_ms", sums[i]}, {"layers", layers[i]}, {"measured_ms", measured[i]}});
  return c;
}

DeviceFingerprint local_cpu_fingerprint(int threads, int batch) {
  DeviceFingerprint d;
  d.kind = "cpu";
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("model name", 0) == 0) {
      d.cpu_model = line.substr(line.find(':') + 2);
      break;
    }
  d.cores = int(std::thread::hardware_concurrency());
  std::ifstream gov("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor");
  std::getline(gov, d.governor);
  d.threads = threads;
  d.batch = batch;
  return d;
}

int tabled_layers(const Arch& arch) {
  int n = 0;
  const auto shapes = infer_shapes(arch);
  for (std::size_t i = 0; i < arch.layers.size(); ++i)
    if (!is_free_at_inference(arch.layers[i], shapes[i].in)) ++n;
  return n;
}

namespace {
/// A key as an error shows it: spaces after its commas, so the one-line error
/// never cuts it as one long run.
std::string spaced(std::string key) {
  for (std::size_t at = key.find(",\""); at != std::string::npos; at = key.find(",\"", at + 2))
    key.insert(at + 1, " ");
  return key;
}

/// Up to `n` keys of `table` closest to (layer, in): the same op first, then
/// the fewest differing fields and input dimensions. For errors only.
std::vector<std::string> nearest_keys(const LatencyTable& table, const Layer& layer,
                                      const Shape& in, std::size_t n) {
  auto fields_of = [](const std::string& key) {
    return json::parse(key.substr(0, key.rfind('@')));
  };
  const json want = fields_of(lut_key(layer, in));
  std::vector<std::tuple<bool, int, std::string>> ranked;  // (other op, distance, key)
  for (const auto& e : table.entries) {
    const std::string key = lut_key(e.layer, e.in);
    const json other = fields_of(key);
    int distance = (e.in.c != in.c) + (e.in.h != in.h) + (e.in.w != in.w);
    for (const auto& [k, v] : want.items()) distance += !other.contains(k) || other[k] != v;
    for (const auto& [k, v] : other.items()) distance += !want.contains(k);
    ranked.emplace_back(e.layer.op != layer.op, distance, key);
  }
  std::sort(ranked.begin(), ranked.end());
  std::vector<std::string> out;
  for (std::size_t i = 0; i < std::min(n, ranked.size()); ++i)
    out.push_back(spaced(std::get<2>(ranked[i])));
  return out;
}
}  // namespace

LutModel::LutModel(std::shared_ptr<const LatencyTable> table, LutCalibration calib, bool calibrated)
    : table_(std::move(table)),
      calib_(calib),
      calibrated_(calibrated),
      live_only_(table_->live_layers_only),
      prices_free_(
          std::any_of(table_->entries.begin(), table_->entries.end(),
                      [](const LutEntry& e) { return is_free_at_inference(e.layer, e.in); })) {}

Cost LutModel::layer(const LayerContext& ctx) const {
  Cost c;
  if (is_free_at_inference(ctx.layer, ctx.in)) {
    // Measured tables never hold such layers; a fitted one may price them.
    const LutEntry* e = prices_free_ ? table_->find(ctx.layer, ctx.in) : nullptr;
    c[Metric::LatencyMs] = e ? (calibrated_ ? calib_.scale : 1.0) * e->value_ms : 0.0;
    return c;
  }
  const LutEntry* e = table_->find(ctx.layer, ctx.in);
  if (!e) {
    const auto nearest = nearest_keys(*table_, ctx.layer, ctx.in, 3);
    throw InputError(
        table_->file,
        fmt::format("no entry for {} on input {}x{}x{} (key {}); {}; add the arch's layers with "
                    "hwnas profile --arch A.arch.json --extend TABLE --out NEW, or profile the "
                    "space again",
                    layer_summary(ctx.layer), ctx.in.c, ctx.in.h, ctx.in.w,
                    spaced(lut_key(ctx.layer, ctx.in)),
                    nearest.empty()
                        ? "the table is empty"
                        : fmt::format("nearest keys in the table: {}", fmt::join(nearest, " | "))));
  }
  c[Metric::LatencyMs] =
      calibrated_ ? calib_.scale * e->value_ms + calib_.per_layer_ms : e->value_ms;
  return c;
}

Cost LutModel::network(const Arch& arch) const {
  Cost c;
  if (live_only_) {
    const auto shapes = infer_shapes(arch);
    const auto live = live_layers(arch);
    double ms = 0;
    for (std::size_t i = 0; i < arch.layers.size(); ++i)
      if (live[i]) ms += layer({arch.layers[i], shapes[i].in, shapes[i].out, 1})[Metric::LatencyMs];
    c[Metric::LatencyMs] = ms;
  } else {
    c = sum_layers(*this, arch);
  }
  if (calibrated_) c[Metric::LatencyMs] += calib_.per_network_ms;
  return c;
}

std::optional<Provenance> LutModel::provenance() const {
  // Only a table timed on a CPU can be from another machine than meant:
  // imported and fitted tables describe another device by design.
  if (table_->device.kind != "cpu") return Provenance{table_->file, table_->space, ""};
  return Provenance{table_->file, table_->space,
                    table_->device.differences(
                        local_cpu_fingerprint(table_->device.threads, table_->device.batch))};
}

}  // namespace hwnas
