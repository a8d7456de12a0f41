// IDX image and label files (MNIST, Fashion-MNIST), plain or gzip: the
// input's first part is the images file, the second the labels.
#include "fuzz_support.h"
#include "hwnas/data/readers.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace hwnas;
  const auto parts = fuzz::two_parts(fuzz::text_of(data, size));
  const std::string &images = parts.first, &labels = parts.second;
  fuzz::refuse_cleanly([&] {
    read_idx(fuzz::write_scratch("images", images), fuzz::write_scratch("labels", labels), 10,
             "fuzz");
  });
  return 0;
}
