#include "hwnas/cost/lut_model.h"

#include <unistd.h>

#include <Eigen/Dense>
#include <algorithm>
#include <fstream>
#include <thread>

#include <fmt/format.h>

#include "hwnas/common/error.h"

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
  c.per_layer_ms = f.get_number("per_layer_ms", -1e3, 1e3);
  c.per_network_ms = f.get_number("per_network_ms", -1e6, 1e6);
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
  Eigen::Vector3d x = solve_ls(A, y);
  // Noise on a few small networks can drive the free fit's scale to zero or
  // below, which says nothing about the device and that a reader refuses. The
  // problem is convex with a box on one variable, so the bounded optimum has
  // the scale at the bound it crossed and the overheads refitted.
  if (x(0) < kCalibScaleMin || x(0) > kCalibScaleMax) {
    const double s = std::clamp(x(0), kCalibScaleMin, kCalibScaleMax);
    Eigen::VectorXd rest = solve_ls(A.rightCols(2), y - s * A.col(0));
    x << s, rest(0), rest(1);
  }
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

LutModel::LutModel(std::shared_ptr<const LatencyTable> table, LutCalibration calib, bool calibrated)
    : table_(std::move(table)), calib_(calib), calibrated_(calibrated) {}

Cost LutModel::layer(const LayerContext& ctx) const {
  Cost c;
  if (is_free_at_inference(ctx.layer, ctx.in)) {
    c[Metric::LatencyMs] = 0;
    return c;
  }
  const LutEntry* e = table_->find(ctx.layer, ctx.in);
  if (!e)
    throw InputError(table_->file,
                     fmt::format("no entry for {} on input {}x{}x{}; profile this space "
                                 "again (hwnas profile)",
                                 layer_summary(ctx.layer), ctx.in.c, ctx.in.h, ctx.in.w));
  c[Metric::LatencyMs] =
      calibrated_ ? calib_.scale * e->value_ms + calib_.per_layer_ms : e->value_ms;
  return c;
}

Cost LutModel::network(const Arch& arch) const {
  Cost c = sum_layers(*this, arch);
  if (calibrated_) c[Metric::LatencyMs] += calib_.per_network_ms;
  return c;
}

std::optional<Provenance> LutModel::provenance() const {
  return Provenance{table_->file, table_->space,
                    table_->device.differences(
                        local_cpu_fingerprint(table_->device.threads, table_->device.batch))};
}

}  // namespace hwnas
