// Benchmark tables: a CSV keyed by NAS-Bench-201 genotypes (ops code, arch
// string or comma form), one column read.
#include "fuzz_support.h"
#include "hwnas/cost/bench_table.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace hwnas;
  static const Space space = load_space("nb201");
  const std::string csv = fuzz::write_scratch("table.csv", fuzz::text_of(data, size));
  fuzz::refuse_cleanly([&] { read_bench_table(csv, space, "acc", "ops"); });
  return 0;
}
