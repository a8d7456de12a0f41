// Whole-network latency measurements (`hwnas latency fit`): a CSV of
// NAS-Bench-201 genotypes and ms, read strictly and, when it reads, fitted.
#include "fuzz_support.h"
#include "hwnas/cost/latency_fit.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace hwnas;
  static const Space space = load_space("nb201");
  const std::string csv = fuzz::write_scratch("measurements.csv", fuzz::text_of(data, size));
  fuzz::refuse_cleanly([&] {
    const Measurements m = read_measurements(csv, space, "ms", "ops");
    fit_latency_table(space, m, {});
  });
  return 0;
}
