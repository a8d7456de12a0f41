// Latency probes: probes.json (first part) and timings.csv (second) for
// the shipped proxyless-fmnist space, imported into a table.
#include "fuzz_support.h"
#include "hwnas/cost/lut_import.h"
#include "hwnas/space/space.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace hwnas;
  static const Space space = load_space("proxyless-fmnist");
  const auto [probes, timings] = fuzz::two_parts(fuzz::text_of(data, size));
  fuzz::write_scratch("probes.json", probes);
  const std::string csv = fuzz::write_scratch("timings.csv", timings);
  fuzz::refuse_cleanly([&] { import_probe_timings(space, csv); });
  return 0;
}
