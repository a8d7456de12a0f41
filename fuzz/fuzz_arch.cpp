// Arch JSON: parse, validate, count.
#include "fuzz_support.h"
#include "hwnas/common/document.h"
#include "hwnas/ir/arch_json.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace hwnas;
  fuzz::refuse_cleanly([&] {
    const Document doc = parse_json(fuzz::text_of(data, size), "fuzz.arch.json");
    const Arch a = read_arch(doc);
    analyze(a, 4);
    count_totals(a);
  });
  return 0;
}
