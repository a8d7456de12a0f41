#include <cmath>
#include <iostream>

#include <fmt/format.h>

#include "cli.h"

namespace hwnas::cli {

void print_json(const json& j) {
  std::cout << j.dump(2) << std::endl;
}

std::string human_count(double v) {
  const double a = std::fabs(v);
  if (a >= 1e9) return fmt::format("{:.2f}G", v / 1e9);
  if (a >= 1e6) return fmt::format("{:.2f}M", v / 1e6);
  if (a >= 1e3) return fmt::format("{:.1f}K", v / 1e3);
  return fmt::format("{}", v);
}

}  // namespace hwnas::cli
