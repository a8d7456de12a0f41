// YAML and JSON documents: the one parser every schema goes through.
#include "fuzz_support.h"
#include "hwnas/common/document.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace hwnas;
  const std::string text = fuzz::text_of(data, size);
  fuzz::refuse_cleanly([&] { parse_yaml(text, "fuzz.yaml"); });
  fuzz::refuse_cleanly([&] { parse_json(text, "fuzz.json"); });
  return 0;
}
