// Run config YAML.
#include <memory>

#include "fuzz_support.h"
#include "hwnas/common/document.h"
#include "hwnas/config/run_config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace hwnas;
  fuzz::refuse_cleanly([&] {
    auto doc = std::make_shared<const Document>(parse_yaml(fuzz::text_of(data, size), "fuzz.yaml"));
    read_run_config(doc);
  });
  return 0;
}
