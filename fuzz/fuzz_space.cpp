// Space YAML: build the space, then decode, count and price a few genotypes.
#include "fuzz_support.h"
#include "hwnas/common/document.h"
#include "hwnas/cost/cost_table.h"
#include "hwnas/cost/ir_counts.h"
#include "hwnas/space/genotype.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace hwnas;
  fuzz::refuse_cleanly([&] {
    const Document doc = parse_yaml(fuzz::text_of(data, size), "fuzz.yaml");
    const Space s = read_space(doc);
    space_size(s);
    const CostTable table(s, IrCountsModel());
    Rng rng(1);
    for (int i = 0; i < 3; ++i) {
      const Genotype g = sample(s, rng);
      const Arch a = decode(s, g);
      count_totals(a);
      table.cost(g);
      encode(s, a);
    }
  });
  return 0;
}
