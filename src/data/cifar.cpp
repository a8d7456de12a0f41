// CIFAR-10/100 binary batches: per image, label byte(s) then 3x32x32 bytes.
#include <filesystem>

#include <fmt/format.h>

#include "binary_file.h"
#include "hwnas/common/error.h"
#include "hwnas/common/files.h"
#include "hwnas/data/readers.h"

namespace hwnas {

namespace {

std::vector<std::string> cifar_files(const std::string& dir, int classes, bool train) {
  HWNAS_ASSERT(classes == 10 || classes == 100, "CIFAR has 10 or 100 classes");
  std::vector<std::string> names;
  if (classes == 10) {
    if (train)
      for (int i = 1; i <= 5; ++i) names.push_back(fmt::format("data_batch_{}.bin", i));
    else
      names.push_back("test_batch.bin");
  } else {
    names.push_back(train ? "train.bin" : "test.bin");
  }
  std::vector<std::string> paths;
  for (const auto& n : names) paths.push_back((std::filesystem::path(dir) / n).string());
  return paths;
}

std::size_t record_bytes(int classes) {
  return (classes == 10 ? 1 : 2) + 3 * 32 * 32;  // CIFAR-100: coarse, fine label
}

void check_records(const std::string& path, std::uint64_t size, int classes) {
  if (size == 0 || size % record_bytes(classes) != 0)
    throw InputError(path, fmt::format("size {} is not a whole number of {}-byte CIFAR-{} records "
                                       "(truncated or not a CIFAR-{} file)",
                                       size, record_bytes(classes), classes, classes));
}

}  // namespace

SplitShape peek_cifar(const std::string& dir, int classes, bool train) {
  // Present; their sizes are checked when read (they may be gzipped).
  for (const auto& path : cifar_files(dir, classes, train)) require_regular_file(path);
  return {{3, 32, 32}, classes};
}

ImageSet read_cifar(const std::string& dir, int classes, bool train) {
  const std::size_t label_bytes = classes == 10 ? 1 : 2;
  const std::size_t record = record_bytes(classes);
  ImageSet s;
  s.name = classes == 10 ? "cifar10" : "cifar100";
  s.shape = {3, 32, 32};
  s.num_classes = classes;
  for (const auto& path : cifar_files(dir, classes, train)) {
    auto bytes = read_binary_file(path, std::uint64_t(256) << 20);  // CIFAR-100 train: 150 MB
    check_records(path, bytes.size(), classes);
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
