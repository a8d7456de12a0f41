// A streamed image folder's batches: decode (stb_image), random-resized crop
// to 224x224, flip, normalise, as the training loader does it. The folder is
// written once: 256 JPEGs of 500x375 (ImageNet's most common size), quality
// 90. Arguments: batch size, decode threads.
#include <benchmark/benchmark.h>
#include <stb_image_write.h>

#include <filesystem>
#include <random>

#include "hwnas/data/readers.h"
#include "hwnas/train/loader.h"

using namespace hwnas;
namespace fs = std::filesystem;

namespace {

const std::string& folder() {
  static const std::string dir = [] {
    const std::string d = (fs::temp_directory_path() / "hwnas-bench-stream").string();
    std::mt19937 rng(1);
    for (int k = 0; k < 4; ++k) {
      const std::string cls = d + "/train/c" + std::to_string(k);
      fs::create_directories(cls);
      for (int i = 0; i < 64; ++i) {
        const std::string f = cls + "/" + std::to_string(i) + ".jpg";
        if (fs::exists(f)) continue;
        // Smooth gradients with noise: compresses like a photograph, not like noise.
        std::vector<unsigned char> rgb(500 * 375 * 3);
        for (int y = 0; y < 375; ++y)
          for (int x = 0; x < 500; ++x)
            for (int c = 0; c < 3; ++c)
              rgb[(y * 500 + x) * 3 + c] =
                  (unsigned char)((x * (c + 1) / 4 + y * (k + 1) / 3 + rng() % 24) % 256);
        stbi_write_jpg(f.c_str(), 500, 375, 3, rgb.data(), 90);
      }
    }
    return d;
  }();
  return dir;
}

void BM_StreamedBatch(benchmark::State& state) {
  ImageSet set = list_image_folder(folder(), "train", {3, 224, 224});
  set.decode_threads = int(state.range(1));
  LoaderOptions lo;
  lo.batch = int(state.range(0));
  lo.flip = true;
  lo.train_views = true;
  lo.mean = {0.485, 0.456, 0.406};
  lo.std = {0.229, 0.224, 0.225};
  BatchLoader loader(set, lo);
  std::int64_t index = 0;
  for (auto _ : state) {
    Batch b = loader.make(0, index++ % loader.batches_per_epoch());
    benchmark::DoNotOptimize(b.x.data_ptr<float>());
  }
  state.SetItemsProcessed(state.iterations() * lo.batch);
}
BENCHMARK(BM_StreamedBatch)
    ->Args({32, 1})
    ->Args({32, 2})
    ->Args({64, 2})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
