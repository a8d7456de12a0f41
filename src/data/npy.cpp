// NumPy .npy arrays (format versions 1-3, C order).
#include <cmath>
#include <cstring>
#include <filesystem>
#include <regex>

#include <fmt/format.h>

#include "binary_file.h"
#include "hwnas/common/error.h"
#include "hwnas/data/readers.h"

namespace hwnas {

namespace {

struct Npy {
  std::string descr;
  std::vector<std::int64_t> shape;
  const std::uint8_t* data = nullptr;
  std::size_t data_bytes = 0;
  std::vector<std::uint8_t> storage;
};

Npy read_npy(const std::string& path) {
  Npy a;
  a.storage = read_binary_file(path);
  const auto& b = a.storage;
  if (b.size() < 10 || std::memcmp(b.data(), "\x93NUMPY", 6) != 0)
    throw InputError(path, "not a .npy file (no \\x93NUMPY magic)");
  const int major = b[6];
  std::size_t header_len, start;
  if (major == 1) {
    header_len = b[8] | (b[9] << 8);
    start = 10;
  } else if (major == 2 || major == 3) {
    if (b.size() < 12) throw InputError(path, "truncated header");
    header_len = b[8] | (b[9] << 8) | (std::size_t(b[10]) << 16) | (std::size_t(b[11]) << 24);
    start = 12;
  } else {
    throw InputError(path, fmt::format("unsupported .npy version {}", major));
  }
  if (b.size() < start + header_len) throw InputError(path, "truncated header");
  std::string header(b.begin() + std::int64_t(start), b.begin() + std::int64_t(start + header_len));
  std::smatch m;
  if (!std::regex_search(header, m, std::regex("'descr':\\s*'([^']*)'")))
    throw InputError(path, "header has no 'descr'");
  a.descr = m[1];
  if (std::regex_search(header, m, std::regex("'fortran_order':\\s*True")))
    throw InputError(path, "Fortran-order arrays are not supported; save with order='C'");
  if (!std::regex_search(header, m, std::regex("'shape':\\s*\\(([^)]*)\\)")))
    throw InputError(path, "header has no 'shape'");
  std::string dims = m[1];
  std::regex num("[0-9]+");
  for (auto it = std::sregex_iterator(dims.begin(), dims.end(), num); it != std::sregex_iterator();
       ++it)
    a.shape.push_back(std::stoll(it->str()));
  a.data = b.data() + start + header_len;
  a.data_bytes = b.size() - start - header_len;
  return a;
}

std::size_t item_size(const std::string& path, const std::string& descr) {
  static const std::regex re("[<|=]?([uif])([1248])");
  std::smatch m;
  if (!std::regex_match(descr, m, re) || descr[0] == '>')
    throw InputError(path, fmt::format("unsupported dtype '{}' (uint8, float32 or little-endian "
                                       "integers expected)",
                                       descr));
  return std::size_t(std::stoi(m[2]));
}

void check_size(const std::string& path, const Npy& a, std::size_t item) {
  std::size_t n = item;
  for (auto d : a.shape) n *= std::size_t(d);
  if (a.data_bytes < n)
    throw InputError(path, fmt::format("truncated: shape needs {} bytes of data, the file has {}",
                                       n, a.data_bytes));
}

}  // namespace

ImageSet read_npy_pair(const std::string& dir, const std::string& split) {
  const std::string xp = (std::filesystem::path(dir) / (split + "_x.npy")).string();
  const std::string yp = (std::filesystem::path(dir) / (split + "_y.npy")).string();
  Npy x = read_npy(xp), y = read_npy(yp);
  const std::size_t xi = item_size(xp, x.descr), yi = item_size(yp, y.descr);
  if (!(x.descr.back() == '1' && x.descr.find('u') != std::string::npos) &&
      x.descr.find("f4") == std::string::npos)
    throw InputError(xp, fmt::format("images must be uint8 or float32, not '{}'", x.descr));
  if (x.shape.size() != 3 && x.shape.size() != 4)
    throw InputError(xp, "images must have shape (N, H, W), (N, C, H, W) or (N, H, W, C)");
  if (y.shape.size() != 1 || y.descr.find('f') != std::string::npos)
    throw InputError(yp, "labels must be a 1-D integer array");
  check_size(xp, x, xi);
  check_size(yp, y, yi);
  if (x.shape[0] != y.shape[0])
    throw InputError(yp,
                     fmt::format("{} labels for the {} images of {}", y.shape[0], x.shape[0], xp));
  ImageSet s;
  s.name = "npy";
  const std::int64_t n = x.shape[0];
  bool nhwc = x.shape.size() == 4 && (x.shape[3] == 1 || x.shape[3] == 3) && x.shape[1] != 1 &&
              x.shape[1] != 3;
  if (x.shape.size() == 3)
    s.shape = {1, int(x.shape[1]), int(x.shape[2])};
  else if (nhwc)
    s.shape = {int(x.shape[3]), int(x.shape[1]), int(x.shape[2])};
  else
    s.shape = {int(x.shape[1]), int(x.shape[2]), int(x.shape[3])};
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
