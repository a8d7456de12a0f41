// Accelerator designs (YAML), then `--set` overrides: the input's first
// part is the design, each line of the second an override.
#include <sstream>

#include "fuzz_support.h"
#include "hwnas/accel/accelerator.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace hwnas;
  const auto parts = fuzz::two_parts(fuzz::text_of(data, size));
  const std::string &design = parts.first, &sets = parts.second;
  fuzz::refuse_cleanly([&] {
    accel::AccelDesign d = accel::load_accel_design(fuzz::write_scratch("design.yaml", design));
    std::istringstream lines(sets);
    std::string set;
    while (std::getline(lines, set))
      fuzz::refuse_cleanly([&] { accel::apply_override(d, set, "--set"); });
  });
  return 0;
}
