// NumPy .npy image and label arrays: the input's first part is train_x.npy,
// the second train_y.npy.
#include "fuzz_support.h"
#include "hwnas/data/readers.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace hwnas;
  const auto [x, y] = fuzz::two_parts(fuzz::text_of(data, size));
  fuzz::write_scratch("train_x.npy", x);
  fuzz::write_scratch("train_y.npy", y);
  fuzz::refuse_cleanly([&] { read_npy_pair(fuzz::scratch_dir(), "train"); });
  return 0;
}
