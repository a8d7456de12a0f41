#include <cmath>
#include <filesystem>
#include <iostream>

#include <fmt/format.h>

#include "cli.h"
#include "hwnas/common/output_path.h"
#include "hwnas/cost/lut_model.h"
#include "hwnas/cost/registry.h"

namespace hwnas::cli {

void print_json(const json& j) {
  std::cout << j.dump(2) << std::endl;
}

std::string check_table_outputs(const std::string& out, bool force,
                                const std::vector<std::string>& inputs) {
  const std::string table = check_output(out, OutputKind::File, force, inputs, "--out");
  check_output(default_calibration_path(table), OutputKind::File, force, inputs,
               "--out (the calibration beside it)");
  return table;
}

std::optional<LutCalibration> calibration_beside(const std::string& table) {
  const std::string path = default_calibration_path(table);
  if (!std::filesystem::exists(path)) return std::nullopt;
  return LutCalibration::read(load_document(path));
}

void drop_stale_calibration(const std::string& table) {
  std::filesystem::remove(default_calibration_path(table));
}

std::string human_count(double v) {
  const double a = std::fabs(v);
  if (a >= 1e9) return fmt::format("{:.2f}G", v / 1e9);
  if (a >= 1e6) return fmt::format("{:.2f}M", v / 1e6);
  if (a >= 1e3) return fmt::format("{:.1f}K", v / 1e3);
  return fmt::format("{}", v);
}

}  // namespace hwnas::cli
