// NumPy .npy arrays (format versions 1-3, C order).
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <string_view>

#include <fmt/format.h>

#include "binary_file.h"
#include "hwnas/common/error.h"
#include "hwnas/common/text.h"
#include "hwnas/data/readers.h"

namespace hwnas {

namespace {

struct Npy {
  std::string descr;
  std::size_t item = 0;  ///< bytes per element
  std::vector<std::int64_t> shape;
  std::vector<std::uint8_t> storage;
  const std::uint8_t* data = nullptr;
};

// The text after `key` in a header dict, spaces skipped ("" when absent).
std::string_view after_key(std::string_view header, std::string_view key) {
  auto at = header.find(key);
  if (at == std::string_view::npos) return {};
  std::string_view rest = header.substr(at + key.size());
  while (!rest.empty() && (rest[0] == ' ' || rest[0] == '\t')) rest.remove_prefix(1);
  return rest;
}

std::size_t item_size(const std::string& path, const std::string& descr) {
  // [<|=]?[uif][1248], little-endian or byte-sized.
  std::string_view d(descr);
  if (!d.empty() && (d[0] == '<' || d[0] == '|' || d[0] == '=')) d.remove_prefix(1);
  if (d.size() != 2 || (d[0] != 'u' && d[0] != 'i' && d[0] != 'f') ||
      (d[1] != '1' && d[1] != '2' && d[1] != '4' && d[1] != '8'))
    throw InputError(path, fmt::format("unsupported dtype '{}' (uint8, float32 or little-endian "
                                       "integers expected)",
                                       descr.size() > 16 ? descr.substr(0, 16) + "..." : descr));
  return std::size_t(d[1] - '0');
}

// Header first (at most 64 KiB, as NumPy writes), then exactly the bytes
// its dtype and shape promise.
Npy read_npy(const std::string& path, bool header_only = false) {
  constexpr std::size_t kMaxHeader = 65536;
  Npy a;
  BinaryReader r(path);
  const auto pre = r.read_up_to(10);
  if (pre.size() < 10 || std::memcmp(pre.data(), "\x93NUMPY", 6) != 0)
    throw InputError(path, "not a .npy file (no \\x93NUMPY magic)");
  const int major = pre[6];
  std::size_t header_len;
  if (major == 1) {
    header_len = pre[8] | (pre[9] << 8);
  } else if (major == 2 || major == 3) {
    const auto more = r.read(2, "a header length");
    header_len =
        pre[8] | (pre[9] << 8) | (std::size_t(more[0]) << 16) | (std::size_t(more[1]) << 24);
  } else {
    throw InputError(path, fmt::format("unsupported .npy version {}", major));
  }
  if (header_len > kMaxHeader)
    throw InputError(
        path, fmt::format("a header of {} bytes; at most {} are allowed", header_len, kMaxHeader));
  const auto hb = r.read(header_len, fmt::format("the header needs {} bytes", header_len));
  const std::string header(hb.begin(), hb.end());
  std::string_view descr = after_key(header, "'descr':");
  if (descr.empty() || descr[0] != '\'' || descr.find('\'', 1) == std::string_view::npos)
    throw InputError(path, "header has no 'descr'");
  a.descr = std::string(descr.substr(1, descr.find('\'', 1) - 1));
  if (after_key(header, "'fortran_order':").substr(0, 4) == "True")
    throw InputError(path, "Fortran-order arrays are not supported; save with order='C'");
  std::string_view shape = after_key(header, "'shape':");
  if (shape.empty() || shape[0] != '(' || shape.find(')') == std::string_view::npos)
    throw InputError(path, "header has no 'shape'");
  a.item = item_size(path, a.descr);
  std::uint64_t bytes = a.item;
  for (const std::string& tok : split(shape.substr(1, shape.find(')') - 1), ',')) {
    std::string_view t(tok);
    while (!t.empty() && t.front() == ' ') t.remove_prefix(1);
    while (!t.empty() && t.back() == ' ') t.remove_suffix(1);
    if (t.empty()) continue;  // the trailing comma of a 1-tuple
    std::int64_t d = -1;
    auto res = std::from_chars(t.data(), t.data() + t.size(), d);
    if (res.ec != std::errc() || res.ptr != t.data() + t.size() || d < 0)
      throw InputError(path, fmt::format("shape entry '{}' is not a size", tok.substr(0, 24)));
    a.shape.push_back(d);
    bytes = checked_product(bytes, std::uint64_t(d), kMaxDataFileBytes, path,
                            "the data size its shape needs");
  }
  if (header_only) return a;
  a.storage = r.read(bytes, fmt::format("shape needs {} bytes of data", bytes));
  r.expect_end(fmt::format("the {} bytes its shape needs", bytes));
  a.data = a.storage.data();
  return a;
}

struct NpyPair {
  std::string xp, yp;
  Npy x, y;
  Shape shape;  ///< of one image, C x H x W
  bool nhwc = false;
};

// The headers of both files, checked against each other; the data too
// unless only the headers are wanted.
NpyPair read_pair(const std::string& dir, const std::string& split, bool header_only) {
  NpyPair p;
  p.xp = (std::filesystem::path(dir) / (split + "_x.npy")).string();
  p.yp = (std::filesystem::path(dir) / (split + "_y.npy")).string();
  p.x = read_npy(p.xp, header_only);
  p.y = read_npy(p.yp, header_only);
  const Npy &x = p.x, &y = p.y;
  const std::string &xp = p.xp, &yp = p.yp;
  if (!(x.descr.back() == '1' && x.descr.find('u') != std::string::npos) &&
      x.descr.find("f4") == std::string::npos)
    throw InputError(xp, fmt::format("images must be uint8 or float32, not '{}'", x.descr));
  if (x.shape.size() != 3 && x.shape.size() != 4)
    throw InputError(xp, "images must have shape (N, H, W), (N, C, H, W) or (N, H, W, C)");
  for (std::size_t d = 1; d < x.shape.size(); ++d)
    if (x.shape[d] < 1 || x.shape[d] > 65536)
      throw InputError(xp,
                       fmt::format("image dimension {} is {}; expected 1 to 65536", d, x.shape[d]));
  if (x.shape[0] == 0) throw InputError(xp, "holds no images");
  if (y.shape.size() != 1 || y.descr.find('f') != std::string::npos)
    throw InputError(yp, "labels must be a 1-D integer array");
  if (x.shape[0] != y.shape[0])
    throw InputError(yp,
                     fmt::format("{} labels for the {} images of {}", y.shape[0], x.shape[0], xp));
  p.nhwc = x.shape.size() == 4 && (x.shape[3] == 1 || x.shape[3] == 3) && x.shape[1] != 1 &&
           x.shape[1] != 3;
  if (x.shape.size() == 3)
    p.shape = {1, int(x.shape[1]), int(x.shape[2])};
  else if (p.nhwc)
    p.shape = {int(x.shape[3]), int(x.shape[1]), int(x.shape[2])};
  else
    p.shape = {int(x.shape[1]), int(x.shape[2]), int(x.shape[3])};
  return p;
}

}  // namespace

SplitShape peek_npy_pair(const std::string& dir, const std::string& split) {
  return {read_pair(dir, split, true).shape, 0};  // the labels tell the classes
}

ImageSet read_npy_pair(const std::string& dir, const std::string& split) {
  const NpyPair p = read_pair(dir, split, false);
  const Npy &x = p.x, &y = p.y;
  const std::string &xp = p.xp, &yp = p.yp;
  const bool nhwc = p.nhwc;
  const std::size_t xi = x.item, yi = y.item;
  ImageSet s;
  s.name = "npy";
  s.shape = p.shape;
  const std::int64_t n = x.shape[0];
  const std::int64_t per = s.shape.numel(), plane = std::int64_t(s.shape.h) * s.shape.w;
  s.pixels.resize(n * per);
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t k = 0; k < per; ++k) {
      // Source element of destination (c, h*w) = k.
      std::int64_t c = k / plane, hw = k % plane;
      std::int64_t src = i * per + (nhwc ? hw * s.shape.c + c : k);
      std::uint8_t v;
      if (xi == 1) {
        v = x.data[src];
      } else {
        float f;
        std::memcpy(&f, x.data + src * 4, 4);
        if (!(f >= 0.f && f <= 1.f))
          throw InputError(xp,
                           fmt::format("float32 images must lie in [0, 1]; image {} has {}", i, f));
        v = std::uint8_t(std::lround(f * 255.f));
      }
      s.pixels[i * per + k] = v;
    }
  std::int64_t max_label = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    std::int64_t l = 0;
    const std::uint8_t* p = y.data + i * std::int64_t(yi);
    if (y.descr.find('u') != std::string::npos) {
      std::uint64_t u = 0;
      std::memcpy(&u, p, yi);
      l = std::int64_t(u);
    } else {
      if (yi == 1)
        l = std::int8_t(p[0]);
      else if (yi == 2) {
        std::int16_t t;
        std::memcpy(&t, p, 2);
        l = t;
      } else if (yi == 4) {
        std::int32_t t;
        std::memcpy(&t, p, 4);
        l = t;
      } else {
        std::int64_t t;
        std::memcpy(&t, p, 8);
        l = t;
      }
    }
    if (l < 0 || l > 100000)
      throw InputError(yp, fmt::format("label {} of image {} is out of range [0, 100000]", l, i));
    s.labels.push_back(std::int32_t(l));
    max_label = std::max(max_label, l);
  }
  s.num_classes = int(max_label + 1);
  return s;
}

}  // namespace hwnas
