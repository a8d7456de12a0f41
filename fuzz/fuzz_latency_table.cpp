// Latency tables and their calibration files (JSON).
#include "fuzz_support.h"
#include "hwnas/common/document.h"
#include "hwnas/cost/latency_table.h"
#include "hwnas/cost/lut_model.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace hwnas;
  const std::string text = fuzz::text_of(data, size);
  fuzz::refuse_cleanly([&] { read_latency_table(parse_json(text, "fuzz.json")); });
  fuzz::refuse_cleanly([&] { LutCalibration::read(parse_json(text, "fuzz.calib.json")); });
  return 0;
}
