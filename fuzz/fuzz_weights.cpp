// Weights archives (libtorch zip + pickle), read without libtorch.
#include "fuzz_support.h"
#include "hwnas/common/weights_archive.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace hwnas;
  fuzz::refuse_cleanly([&] { parse_weights_archive(fuzz::text_of(data, size), "fuzz.weights"); });
  return 0;
}
