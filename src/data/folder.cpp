// Image folders: <dir>/<split>/<class>/<image>, decoded with stb_image.
#include <stb_image.h>

#include <algorithm>
#include <filesystem>

#include <fmt/format.h>

#include "binary_file.h"
#include "hwnas/common/error.h"
#include "hwnas/data/image_view.h"
#include "hwnas/data/readers.h"

namespace hwnas {
namespace fs = std::filesystem;

namespace {
struct Listing {
  fs::path root;
  std::vector<std::string> classes;          ///< sorted
  std::vector<std::vector<fs::path>> files;  ///< per class, sorted
};

Listing list_folder(const std::string& dir, const std::string& split) {
  Listing l;
  l.root = fs::path(dir) / split;
  if (!fs::is_directory(l.root))
    throw InputError(l.root.string(), "no such folder (expected <path>/<split>/<class>/<images>)");
  for (const auto& e : fs::directory_iterator(l.root))
    if (e.is_directory()) l.classes.push_back(e.path().filename().string());
  std::sort(l.classes.begin(), l.classes.end());
  if (l.classes.empty()) throw InputError(l.root.string(), "holds no class folders");
  for (const auto& c : l.classes) {
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(l.root / c)) {
      auto ext = e.path().extension().string();
      std::transform(ext.begin(), ext.end(), ext.begin(), ::tolower);
      if (e.is_regular_file() &&
          (ext == ".png" || ext == ".jpg" || ext == ".jpeg" || ext == ".bmp"))
        files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());
    if (files.empty()) throw InputError((l.root / c).string(), "holds no images");
    l.files.push_back(std::move(files));
  }
  return l;
}

}  // namespace

SplitShape peek_image_folder(const std::string& dir, const std::string& split) try {
  const Listing l = list_folder(dir, split);
  return {image_header(l.files[0][0].string()), int(l.classes.size())};
} catch (const fs::filesystem_error& e) {  // a symlink loop, an unreadable folder
  throw InputError(e.path1().string(), fmt::format("cannot read: {}", e.code().message()));
}

ImageSet list_image_folder(const std::string& dir, const std::string& split,
                           const Shape& input) try {
  const Listing l = list_folder(dir, split);
  image_header(l.files[0][0].string());
  ImageSet s;
  s.name = "folder";
  s.shape = input;
  s.num_classes = int(l.classes.size());
  for (std::size_t k = 0; k < l.classes.size(); ++k)
    for (const auto& f : l.files[k]) {
      s.files.push_back(f.string());
      s.labels.push_back(int(k));
    }
  return s;
} catch (const fs::filesystem_error& e) {
  throw InputError(e.path1().string(), fmt::format("cannot read: {}", e.code().message()));
}

ImageSet read_image_folder(const std::string& dir, const std::string& split) try {
  const Listing l = list_folder(dir, split);
  ImageSet s;
  s.name = "folder";
  s.num_classes = int(l.classes.size());
  bool first = true;
  for (std::size_t k = 0; k < l.classes.size(); ++k) {
    for (const auto& f : l.files[k]) {
      const Shape sh = image_header(f.string());
      const int n = sh.c, h = sh.h, w = sh.w;
      if (first) s.shape = sh, first = false;
      if (sh != s.shape)
        throw InputError(
            f.string(), fmt::format("is {}x{}x{} but the first image is {}x{}x{}; all "
                                    "images must share one size (data.stream: true reads any size)",
                                    n, h, w, s.shape.c, s.shape.h, s.shape.w));
      if (std::uint64_t(s.pixels.size()) + std::uint64_t(sh.numel()) > kMaxDataFileBytes)
        throw InputError(l.root.string(),
                         fmt::format("the images exceed the limit of {} bytes", kMaxDataFileBytes));
      int w2 = 0, h2 = 0, n2 = 0;
      unsigned char* px = stbi_load(f.c_str(), &w2, &h2, &n2, 0);
      if (!px || w2 != w || h2 != h || n2 != n) {
        if (px) stbi_image_free(px);
        throw InputError(f.string(), fmt::format("cannot decode image: {}",
                                                 px ? "its size changed" : stbi_failure_reason()));
      }
      // stb gives HWC; store CHW.
      const std::size_t base = s.pixels.size();
      s.pixels.resize(base + std::size_t(n) * h * w);
      for (int c = 0; c < n; ++c)
        for (int i = 0; i < h * w; ++i) s.pixels[base + std::size_t(c) * h * w + i] = px[i * n + c];
      stbi_image_free(px);
      s.labels.push_back(int(k));
    }
  }
  return s;
} catch (const fs::filesystem_error& e) {  // a symlink loop, an unreadable folder
  throw InputError(e.path1().string(), fmt::format("cannot read: {}", e.code().message()));
}

}  // namespace hwnas
