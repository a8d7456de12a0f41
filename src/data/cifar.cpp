// CIFAR-10/100 binary batches: per image, label byte(s) then 3x32x32 bytes.
#include <filesystem>

#include <fmt/format.h>

#include "binary_file.h"
#include "hwnas/common/error.h"
#include "hwnas/data/readers.h"

namespace hwnas {

ImageSet read_cifar(const std::string& dir, int classes, bool train) {
  HWNAS_ASSERT(classes == 10 || classes == 100, "CIFAR has 10 or 100 classes");
  std::vector<std::string> files;
  if (classes == 10) {
    if (train)
      for (int i = 1; i <= 5; ++i) files.push_back(fmt::format("data_batch_{}.bin", i));
    else
      files.push_back("test_batch.bin");
  } else {
    files.push_back(train ? "train.bin" : "test.bin");
  }
  const std::size_t label_bytes = classes == 10 ? 1 : 2;  // CIFAR-100: coarse, fine
  const std::size_t record = label_bytes + 3 * 32 * 32;
  ImageSet s;
  s.name = classes == 10 ? "cifar10" : "cifar100";
  s.shape = {3, 32, 32};
  s.num_classes = classes;
  for (const auto& f : files) {
    std::string path = (std::filesystem::path(dir) / f).string();
    auto bytes = read_binary_file(path, std::uint64_t(256) << 20);  // CIFAR-100 train: 150 MB
    if (bytes.empty() || bytes.size() % record != 0)
      throw InputError(path,
                       fmt::format("size {} is not a whole number of {}-byte CIFAR-{} records "
                                   "(truncated or not a CIFAR-{} file)",
                                   bytes.size(), record, classes, classes));
    for (std::size_t off = 0; off < bytes.size(); off += record) {
      int label = bytes[off + label_bytes - 1];
      if (label >= classes)
        throw InputError(path, fmt::format("label {} of record {} is out of range [0, {})", label,
                                           off / record, classes));
      s.labels.push_back(label);
      s.pixels.insert(s.pixels.end(), bytes.begin() + std::int64_t(off + label_bytes),
                      bytes.begin() + std::int64_t(off + record));
    }
  }
  return s;
}

}  // namespace hwnas
