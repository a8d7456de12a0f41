// Image folders: <dir>/<split>/<class>/<image>, decoded with stb_image.
#include <stb_image.h>

#include <algorithm>
#include <filesystem>

#include <fmt/format.h>

#include "hwnas/common/error.h"
#include "hwnas/data/readers.h"

namespace hwnas {
namespace fs = std::filesystem;

ImageSet read_image_folder(const std::string& dir, const std::string& split) {
  fs::path root = fs::path(dir) / split;
  if (!fs::is_directory(root))
    throw InputError(root.string(), "no such folder (expected <path>/<split>/<class>/<images>)");
  std::vector<std::string> classes;
  for (const auto& e : fs::directory_iterator(root))
    if (e.is_directory()) classes.push_back(e.path().filename().string());
  std::sort(classes.begin(), classes.end());
  if (classes.empty()) throw InputError(root.string(), "holds no class folders");
  ImageSet s;
  s.name = "folder";
  s.num_classes = int(classes.size());
  bool first = true;
  for (std::size_t k = 0; k < classes.size(); ++k) {
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(root / classes[k])) {
      auto ext = e.path().extension().string();
      std::transform(ext.begin(), ext.end(), ext.begin(), ::tolower);
      if (e.is_regular_file() &&
          (ext == ".png" || ext == ".jpg" || ext == ".jpeg" || ext == ".bmp"))
        files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());
    if (files.empty()) throw InputError((root / classes[k]).string(), "holds no images");
    for (const auto& f : files) {
      int w = 0, h = 0, n = 0;
      unsigned char* px = stbi_load(f.c_str(), &w, &h, &n, 0);
      if (!px)
        throw InputError(f.string(), fmt::format("cannot decode image: {}", stbi_failure_reason()));
      Shape sh{n, h, w};
      if (first) s.shape = sh, first = false;
      if (sh != s.shape) {
        stbi_image_free(px);
        throw InputError(f.string(), fmt::format("is {}x{}x{} but the first image is {}x{}x{}; all "
                                                 "images must share one size",
                                                 n, h, w, s.shape.c, s.shape.h, s.shape.w));
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
}

}  // namespace hwnas
