// IDX files (MNIST, Fashion-MNIST): big-endian header, then uint8 data.
#include <fmt/format.h>

#include "binary_file.h"
#include "hwnas/common/error.h"
#include "hwnas/data/readers.h"

namespace hwnas {

namespace {

struct Idx {
  std::vector<std::uint32_t> dims;
  std::vector<std::uint8_t> bytes;
};

// Header first; then, unless only the dimensions are wanted, exactly the
// data bytes it promises.
Idx read_idx_file(const std::string& path, std::size_t want_dims, bool header_only = false) {
  Idx idx;
  BinaryReader r(path);
  const std::uint32_t magic_want = 0x0800u | std::uint32_t(want_dims);
  const auto magic = r.read_up_to(4);
  if (magic.size() < 4 || read_be32(magic.data()) != magic_want)
    throw InputError(
        path, fmt::format("wrong magic number {}: an IDX file of unsigned bytes with {} "
                          "dimensions starts with 0x{:08x}",
                          magic.size() < 4 ? std::string("(file too short)")
                                           : fmt::format("0x{:08x}", read_be32(magic.data())),
                          want_dims, magic_want));
  const auto header = r.read(4 * want_dims, fmt::format("a header of {} bytes", 4 + 4 * want_dims));
  std::uint64_t count = 1;
  for (std::size_t d = 0; d < want_dims; ++d) {
    idx.dims.push_back(read_be32(header.data() + 4 * d));
    // Images are at most 65536 pixels a side, like an arch's input.
    if (d > 0 && (idx.dims.back() < 1 || idx.dims.back() > 65536))
      throw InputError(path,
                       fmt::format("dimension {} is {}; expected 1 to 65536", d, idx.dims.back()));
    count = checked_product(count, idx.dims.back(), kMaxDataFileBytes, path,
                            "the data size the header promises");
  }
  if (header_only) return idx;
  idx.bytes = r.read(count, fmt::format("the header promises {} data bytes", count));
  r.expect_end(fmt::format("the {} the header promises", count));
  return idx;
}

void check_counts(const Idx& im, const Idx& lb, const std::string& images_path,
                  const std::string& labels_path) {
  if (im.dims[0] != lb.dims[0])
    throw InputError(labels_path, fmt::format("{} labels for the {} images of {}", lb.dims[0],
                                              im.dims[0], images_path));
  if (im.dims[0] == 0) throw InputError(images_path, "holds no images");
}

}  // namespace

SplitShape peek_idx(const std::string& images_path, const std::string& labels_path,
                    int num_classes) {
  const Idx im = read_idx_file(images_path, 3, true), lb = read_idx_file(labels_path, 1, true);
  check_counts(im, lb, images_path, labels_path);
  return {{1, int(im.dims[1]), int(im.dims[2])}, num_classes};
}

ImageSet read_idx(const std::string& images_path, const std::string& labels_path, int num_classes,
                  const std::string& name) {
  Idx im = read_idx_file(images_path, 3);
  Idx lb = read_idx_file(labels_path, 1);
  check_counts(im, lb, images_path, labels_path);
  ImageSet s;
  s.name = name;
  s.shape = {1, int(im.dims[1]), int(im.dims[2])};
  s.num_classes = num_classes;
  s.pixels = std::move(im.bytes);
  s.labels.reserve(lb.dims[0]);
  for (std::uint32_t i = 0; i < lb.dims[0]; ++i) {
    int l = lb.bytes[i];
    if (l >= num_classes)
      throw InputError(labels_path, fmt::format("label {} of image {} is out of range [0, {})", l,
                                                i, num_classes));
    s.labels.push_back(l);
  }
  return s;
}

}  // namespace hwnas
