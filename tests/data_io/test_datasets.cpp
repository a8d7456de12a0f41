// Dataset readers on real Fashion-MNIST and on small files made here, valid
// and broken.
#include <stb_image_write.h>
#include <zlib.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include <catch2/catch.hpp>

#include "../support.h"
#include "hwnas/common/error.h"
#include "hwnas/data/datasets.h"
#include "hwnas/data/image_view.h"
#include "hwnas/data/readers.h"

using namespace hwnas;
using test::error_of;
namespace fs = std::filesystem;

namespace {

void write_bytes(const std::string& path, const std::vector<std::uint8_t>& b) {
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(b.data()), std::streamsize(b.size()));
}
void write_gz(const std::string& path, const std::vector<std::uint8_t>& b) {
  gzFile f = gzopen(path.c_str(), "wb");
  gzwrite(f, b.data(), unsigned(b.size()));
  gzclose(f);
}
std::vector<std::uint8_t> be32(std::uint32_t v) {
  return {std::uint8_t(v >> 24), std::uint8_t(v >> 16), std::uint8_t(v >> 8), std::uint8_t(v)};
}
std::vector<std::uint8_t> idx_images(std::uint32_t n, std::uint32_t h, std::uint32_t w) {
  std::vector<std::uint8_t> b = be32(0x803);
  for (auto d : {n, h, w}) {
    auto x = be32(d);
    b.insert(b.end(), x.begin(), x.end());
  }
  for (std::uint32_t i = 0; i < n * h * w; ++i) b.push_back(std::uint8_t(i % 251));
  return b;
}
std::vector<std::uint8_t> idx_labels(const std::vector<std::uint8_t>& labels) {
  std::vector<std::uint8_t> b = be32(0x801);
  auto n = be32(std::uint32_t(labels.size()));
  b.insert(b.end(), n.begin(), n.end());
  b.insert(b.end(), labels.begin(), labels.end());
  return b;
}
// npy v1 file with the given dtype/shape header and raw data.
void write_npy(const std::string& path, const std::string& descr, const std::string& shape,
               const std::vector<std::uint8_t>& data, bool fortran = false) {
  std::string header = "{'descr': '" + descr +
                       "', 'fortran_order': " + (fortran ? "True" : "False") + ", 'shape': (" +
                       shape + "), }";
  while ((10 + header.size() + 1) % 64) header += ' ';
  header += '\n';
  std::vector<std::uint8_t> b = {0x93,
                                 'N',
                                 'U',
                                 'M',
                                 'P',
                                 'Y',
                                 1,
                                 0,
                                 std::uint8_t(header.size() & 0xff),
                                 std::uint8_t(header.size() >> 8)};
  b.insert(b.end(), header.begin(), header.end());
  b.insert(b.end(), data.begin(), data.end());
  write_bytes(path, b);
}

}  // namespace

TEST_CASE("real Fashion-MNIST loads from Debian's package", "[data]") {
  DataOptions cfg;
  Datasets ds = load_datasets(cfg, {1, 28, 28}, 10, 0, false);
  CHECK(ds.train.size() == 60000);
  CHECK(ds.test.size() == 10000);
  CHECK(ds.train.shape == Shape{1, 28, 28});
  std::vector<int> per_class(10, 0);
  for (auto l : ds.test.labels) per_class[l]++;
  for (int c : per_class) CHECK(c == 1000);
  CHECK(ds.norm.mean[0] == Approx(0.2860).margin(1e-3));
  CHECK(ds.norm.std[0] == Approx(0.3530).margin(1e-3));
}

TEST_CASE("train limit and validation split are stratified and seeded", "[data]") {
  DataOptions cfg;
  cfg.train_limit = 10000;
  cfg.val_fraction = 0.2;
  Datasets a = load_datasets(cfg, {1, 28, 28}, 10, 3, true);
  CHECK(a.train.size() == 8000);
  CHECK(a.val.size() == 2000);
  std::vector<int> tr(10, 0), va(10, 0);
  for (auto l : a.train.labels) tr[l]++;
  for (auto l : a.val.labels) va[l]++;
  for (int k = 0; k < 10; ++k) {
    CHECK(tr[k] == 800);
    CHECK(va[k] == 200);
  }
  Datasets b = load_datasets(cfg, {1, 28, 28}, 10, 3, true);
  CHECK(a.val.pixels == b.val.pixels);
  Datasets c = load_datasets(cfg, {1, 28, 28}, 10, 4, true);
  CHECK(a.val.pixels != c.val.pixels);
  CHECK_THROWS_WITH(
      load_datasets(cfg, {3, 32, 32}, 10, 0, false),
      Catch::Contains("fashion-mnist images are 1x28x28 but the network takes 3x32x32"));
}

TEST_CASE("IDX files: plain and gzip read alike and every breakage is named", "[data]") {
  auto dir = test::temp_dir("idx");
  auto im = idx_images(4, 3, 2);
  auto lb = idx_labels({0, 1, 2, 9});
  write_bytes(dir + "/im", im);
  write_gz(dir + "/im.gz", im);
  write_bytes(dir + "/lb", lb);
  ImageSet plain = read_idx(dir + "/im", dir + "/lb", 10, "t");
  ImageSet gz = read_idx(dir + "/im.gz", dir + "/lb", 10, "t");
  CHECK(plain.pixels == gz.pixels);
  CHECK(plain.shape == Shape{1, 3, 2});
  CHECK(plain.labels == std::vector<std::int32_t>{0, 1, 2, 9});

  auto bad = im;
  bad[3] = 0x01;
  write_bytes(dir + "/magic", bad);
  CHECK_THAT(error_of([&] { read_idx(dir + "/magic", dir + "/lb", 10, "t"); }),
             Catch::Contains(dir + "/magic: wrong magic number 0x00000801"));
  write_bytes(dir + "/short", std::vector<std::uint8_t>(im.begin(), im.end() - 5));
  CHECK_THAT(error_of([&] { read_idx(dir + "/short", dir + "/lb", 10, "t"); }),
             Catch::Contains("truncated: the header promises 24 data bytes, the file has 19"));
  std::vector<std::uint8_t> gzbytes;
  {
    write_gz(dir + "/full.gz", im);
    std::ifstream in(dir + "/full.gz", std::ios::binary);
    gzbytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  write_bytes(dir + "/cut.gz", std::vector<std::uint8_t>(
                                   gzbytes.begin(), gzbytes.begin() + long(gzbytes.size() / 2)));
  CHECK_THAT(error_of([&] { read_idx(dir + "/cut.gz", dir + "/lb", 10, "t"); }),
             Catch::Contains(dir + "/cut.gz"));
  write_bytes(dir + "/lb11", idx_labels({0, 1, 11, 2}));
  CHECK_THAT(error_of([&] { read_idx(dir + "/im", dir + "/lb11", 10, "t"); }),
             Catch::Contains("label 11 of image 2 is out of range [0, 10)"));
  write_bytes(dir + "/lb3", idx_labels({0, 1, 2}));
  CHECK_THAT(error_of([&] { read_idx(dir + "/im", dir + "/lb3", 10, "t"); }),
             Catch::Contains("3 labels for the 4 images"));
  CHECK_THAT(error_of([&] { read_idx(dir + "/none", dir + "/lb", 10, "t"); }),
             Catch::Contains(dir + "/none: no such file"));
  write_bytes(dir + "/empty", {});
  CHECK_THAT(error_of([&] { read_idx(dir + "/empty", dir + "/lb", 10, "t"); }),
             Catch::Contains("wrong magic number"));
}

TEST_CASE("CIFAR binary batches: valid and broken", "[data]") {
  auto dir = test::temp_dir("cifar");
  auto record = [](int label) {
    std::vector<std::uint8_t> r{std::uint8_t(label)};
    for (int i = 0; i < 3072; ++i) r.push_back(std::uint8_t((i + label) % 256));
    return r;
  };
  for (int b = 1; b <= 5; ++b) {
    std::vector<std::uint8_t> f;
    for (int l : {b, 9 - b}) {
      auto r = record(l);
      f.insert(f.end(), r.begin(), r.end());
    }
    write_bytes(dir + "/data_batch_" + std::to_string(b) + ".bin", f);
  }
  write_bytes(dir + "/test_batch.bin", record(3));
  ImageSet tr = read_cifar(dir, 10, true);
  CHECK(tr.size() == 10);
  CHECK(tr.shape == Shape{3, 32, 32});
  CHECK(tr.labels[0] == 1);
  CHECK(tr.pixels[5] == 6);
  CHECK(read_cifar(dir, 10, false).size() == 1);
  auto r = record(3);
  r.resize(3000);
  write_bytes(dir + "/test_batch.bin", r);
  CHECK_THAT(error_of([&] { read_cifar(dir, 10, false); }),
             Catch::Contains(
                 "test_batch.bin: size 3000 is not a whole number of 3073-byte CIFAR-10 records"));
  write_bytes(dir + "/test_batch.bin", record(12));
  CHECK_THAT(error_of([&] { read_cifar(dir, 10, false); }),
             Catch::Contains("label 12 of record 0 is out of range"));
  fs::remove(dir + "/data_batch_4.bin");
  CHECK_THAT(error_of([&] { read_cifar(dir, 10, true); }),
             Catch::Contains("data_batch_4.bin: no such file"));
}

TEST_CASE("npy arrays: NHWC uint8, NCHW float32, and broken headers", "[data]") {
  auto dir = test::temp_dir("npy");
  // 2 images, 2x2, 3 channels, NHWC: value = 100*c + 10*y + x + image.
  std::vector<std::uint8_t> x;
  for (int i = 0; i < 2; ++i)
    for (int y = 0; y < 2; ++y)
      for (int xx = 0; xx < 2; ++xx)
        for (int c = 0; c < 3; ++c) x.push_back(std::uint8_t(100 * c + 10 * y + xx + i));
  write_npy(dir + "/train_x.npy", "|u1", "2, 2, 2, 3", x);
  std::vector<std::uint8_t> y(16, 0);
  y[0] = 1, y[8] = 4;  // int64 labels 1, 4
  write_npy(dir + "/train_y.npy", "<i8", "2,", y);
  ImageSet s = read_npy_pair(dir, "train");
  CHECK(s.shape == Shape{3, 2, 2});
  CHECK(s.labels == std::vector<std::int32_t>{1, 4});
  CHECK(s.num_classes == 5);
  CHECK(int(s.pixels[4 + 3]) == 100 + 11);          // image 0, c 1, y 1, x 1
  CHECK(int(s.pixels[12 + 8 + 1]) == 200 + 1 + 1);  // image 1, c 2, y 0, x 1

  std::vector<std::uint8_t> f(4 * 4);
  float vals[4] = {0.f, 0.5f, 1.f, 0.25f};
  std::memcpy(f.data(), vals, 16);
  write_npy(dir + "/test_x.npy", "<f4", "1, 1, 2, 2", f);
  write_npy(dir + "/test_y.npy", "|u1", "1,", {0});
  ImageSet t = read_npy_pair(dir, "test");
  CHECK(t.pixels == std::vector<std::uint8_t>{0, 128, 255, 64});

  write_npy(dir + "/test_x.npy", "<f4", "1, 1, 2, 2",
            std::vector<std::uint8_t>(f.begin(), f.begin() + 8));
  CHECK_THAT(error_of([&] { read_npy_pair(dir, "test"); }),
             Catch::Contains("test_x.npy: truncated"));
  write_npy(dir + "/test_x.npy", "<f4", "1, 1, 2, 2", f, true);
  CHECK_THAT(error_of([&] { read_npy_pair(dir, "test"); }), Catch::Contains("Fortran-order"));
  write_npy(dir + "/test_x.npy", "<f8", "1, 1, 2, 2", std::vector<std::uint8_t>(32));
  CHECK_THAT(error_of([&] { read_npy_pair(dir, "test"); }),
             Catch::Contains("images must be uint8 or float32"));
  write_npy(dir + "/test_x.npy", "<f4", "1, 1, 2, 2", f);
  write_npy(dir + "/test_y.npy", "|u1", "2,", {0, 1});
  CHECK_THAT(error_of([&] { read_npy_pair(dir, "test"); }),
             Catch::Contains("2 labels for the 1 images"));
  write_bytes(dir + "/test_x.npy", {'n', 'o', 't', 'n', 'p', 'y', 0, 0, 0, 0, 0});
  CHECK_THAT(error_of([&] { read_npy_pair(dir, "test"); }), Catch::Contains("not a .npy file"));
}

TEST_CASE("image folders: one subfolder per class, images decoded", "[data]") {
  auto dir = test::temp_dir("folder");
  for (std::string cls : {"cat", "ant"}) {
    fs::create_directories(dir + "/train/" + cls);
    for (int i = 0; i < 2; ++i) {
      std::vector<std::uint8_t> rgb(4 * 3 * 3, std::uint8_t(cls == "ant" ? 10 + i : 200));
      stbi_write_png((dir + "/train/" + cls + "/" + std::to_string(i) + ".png").c_str(), 4, 3, 3,
                     rgb.data(), 12);
    }
  }
  ImageSet s = read_image_folder(dir, "train");
  CHECK(s.num_classes == 2);
  CHECK(s.shape == Shape{3, 3, 4});
  CHECK(s.labels == std::vector<std::int32_t>{0, 0, 1, 1});  // "ant" sorts first
  CHECK(s.pixels[0] == 10);
  std::vector<std::uint8_t> odd(5 * 5 * 3, 7);
  stbi_write_png((dir + "/train/cat/odd.png").c_str(), 5, 5, 3, odd.data(), 15);
  CHECK_THAT(error_of([&] { read_image_folder(dir, "train"); }),
             Catch::Contains("odd.png: is 3x5x5"));
  fs::remove(dir + "/train/cat/odd.png");
  write_bytes(dir + "/train/cat/broken.png", {0x89, 'P', 'N', 'G', 1, 2, 3});
  CHECK_THAT(error_of([&] { read_image_folder(dir, "train"); }),
             Catch::Contains("broken.png: cannot decode image"));
  CHECK_THAT(error_of([&] { read_image_folder(dir, "test"); }), Catch::Contains("no such folder"));
}

namespace {
// w x h RGB: the left half black, the right half white.
void write_split_png(const std::string& path, int w, int h) {
  std::vector<std::uint8_t> rgb(std::size_t(w) * h * 3);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < 3; ++c) rgb[(std::size_t(y) * w + x) * 3 + c] = x < w / 2 ? 0 : 255;
  stbi_write_png(path.c_str(), w, h, 3, rgb.data(), w * 3);
}
}  // namespace

TEST_CASE("streamed image folders: any image size, cut to the input", "[data]") {
  auto dir = test::temp_dir("stream");
  const int sizes[][2] = {{64, 48}, {40, 30}, {20, 20}};
  for (std::string cls : {"b", "a"}) {
    fs::create_directories(dir + "/train/" + cls);
    for (int i = 0; i < 3; ++i)
      write_split_png(dir + "/train/" + cls + "/" + std::to_string(i) + ".png", sizes[i][0],
                      sizes[i][1]);
  }
  const Shape input{3, 16, 16};
  ImageSet s = list_image_folder(dir, "train", input);
  CHECK(s.streamed());
  CHECK(s.pixels.empty());
  CHECK(s.size() == 6);
  CHECK(s.shape == input);
  CHECK(s.num_classes == 2);
  CHECK(s.labels == std::vector<std::int32_t>{0, 0, 0, 1, 1, 1});
  CHECK(s.subset({4, 1}).files == std::vector<std::string>{s.files[4], s.files[1]});
  // The evaluation view is the centre crop: dark on the left, bright on the right.
  std::vector<std::uint8_t> view(std::size_t(input.numel()));
  std::mt19937_64 rng(1);
  decode_view(s.files[0], input, ViewOptions{}, rng, view.data());
  for (int c = 0; c < 3; ++c)
    for (int y = 0; y < 16; ++y) {
      CHECK(view[std::size_t(c) * 256 + y * 16 + 0] < 30);
      CHECK(view[std::size_t(c) * 256 + y * 16 + 15] > 225);
    }
  // Training views: seeded, whole-image crops at scale 1 mirrored about half the time.
  ViewOptions train;
  train.train = true, train.flip = true, train.min_crop_scale = 1.0;
  int mirrored = 0;
  for (int seed = 0; seed < 40; ++seed) {
    std::mt19937_64 a(seed), b(seed);
    std::vector<std::uint8_t> v2(view.size());
    decode_view(s.files[0], input, train, a, view.data());
    decode_view(s.files[0], input, train, b, v2.data());
    CHECK(view == v2);
    mirrored += view[0] > 128;
  }
  CHECK(mirrored > 5);
  CHECK(mirrored < 35);
  // A grey image feeds a 3-channel input as three equal channels.
  std::vector<std::uint8_t> grey(10 * 10, 77);
  stbi_write_png((dir + "/grey.png").c_str(), 10, 10, 1, grey.data(), 10);
  decode_view(dir + "/grey.png", input, ViewOptions{}, rng, view.data());
  CHECK(view[0] == 77);
  CHECK(view[256 + 17] == 77);
  CHECK(view[512 + 255] == 77);
  // Half black, half white: the statistics come from decoded views.
  const ChannelStats st = channel_stats(s);
  CHECK(st.mean[0] == Approx(0.5).margin(0.05));
  CHECK(st.std[1] == Approx(0.5).margin(0.05));
  // A broken image is named when a batch reaches it; a folder of non-images at once.
  write_bytes(dir + "/train/b/9.png", {0x89, 'P', 'N', 'G', 1, 2, 3});
  ImageSet broken = list_image_folder(dir, "train", input);
  CHECK_THAT(
      error_of([&] { decode_view(broken.files.back(), input, ViewOptions{}, rng, view.data()); }),
      Catch::Contains("9.png: cannot decode image"));
  fs::create_directories(dir + "/junk/test/x");
  write_bytes(dir + "/junk/test/x/0.jpg", {1, 2, 3});
  CHECK_THAT(error_of([&] { list_image_folder(dir + "/junk", "test", input); }),
             Catch::Contains("0.jpg: cannot decode image"));
}

TEST_CASE("synthetic data is seeded and labelled in range", "[data]") {
  ImageSet a = make_synthetic({3, 16, 16}, 10, 200, 1), b = make_synthetic({3, 16, 16}, 10, 200, 1);
  CHECK(a.pixels == b.pixels);
  CHECK(a.labels == b.labels);
  for (auto l : a.labels) CHECK((l >= 0 && l < 10));
  CHECK(make_synthetic({3, 16, 16}, 10, 200, 2).pixels != a.pixels);
}

TEST_CASE("hostile dataset files: sizes that wrap, bombs, huge images, loops", "[data][hostile]") {
  const auto dir = test::temp_dir("hostile-data");
  auto lb = idx_labels({0, 1});
  write_bytes(dir + "/lb", lb);
  // Dimensions whose product wraps 64 bits were a std::bad_alloc.
  auto wrap = be32(0x803);
  for (std::uint32_t d : {0xffffffffu, 65536u, 65536u}) {
    auto x = be32(d);
    wrap.insert(wrap.end(), x.begin(), x.end());
  }
  write_bytes(dir + "/wrap", wrap);
  CHECK_THAT(error_of([&] { read_idx(dir + "/wrap", dir + "/lb", 10, "t"); }),
             Catch::Contains("the data size the header promises exceeds the limit of 4294967296"));
  // A gzip bomb behind an honest-looking header is read only as far as the
  // header promises: 2 images of 2x2, then 64 MB of zeros.
  auto bomb = idx_images(2, 2, 2);
  bomb.resize(bomb.size() + (64u << 20), 0);
  write_gz(dir + "/bomb.gz", bomb);
  CHECK_THAT(error_of([&] { read_idx(dir + "/bomb.gz", dir + "/lb", 10, "t"); }),
             Catch::Contains("over 1048576 bytes after the 8 the header promises"));

  // npy: a shape whose product wraps reached the loader with an empty buffer.
  write_npy(dir + "/train_x.npy", "|u1", "4294967296, 4294967296, 16", {1, 2, 3});
  write_npy(dir + "/train_y.npy", "|u1", "1,", {0});
  CHECK_THAT(error_of([&] { read_npy_pair(dir, "train"); }),
             Catch::Contains("train_x.npy: the data size its shape needs exceeds the limit"));
  write_npy(dir + "/train_x.npy", "|u1", "1, 2, 2", {1, 2, 3, 4, 5});
  CHECK_THAT(error_of([&] { read_npy_pair(dir, "train"); }),
             Catch::Contains("train_x.npy: 1 bytes after the 4 bytes its shape needs"));
  write_npy(dir + "/train_x.npy", "|u1", "0, 2, 2", {});
  CHECK_THAT(error_of([&] { read_npy_pair(dir, "train"); }), Catch::Contains("holds no images"));

  // Image folders: a 30000x30000 PNG is refused from its header, not decoded.
  fs::create_directories(dir + "/img/train/a");
  const std::uint8_t png[] = {0x89, 'P',  'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a, 0,    0, 0,
                              13,   'I',  'H', 'D', 'R',  0,    0,    0x75, 0x30, 0, 0,
                              0x75, 0x30, 8,   0,   0,    0,    0,    0,    0,    0, 0};
  write_bytes(dir + "/img/train/a/huge.png",
              std::vector<std::uint8_t>(std::begin(png), std::end(png)));
  CHECK_THAT(error_of([&] { read_image_folder(dir + "/img", "train"); }),
             Catch::Contains("huge.png: is 30000x30000 pixels; at most 8192 a side are allowed"));
  // A symlink loop is an input error naming the path, not a filesystem exception.
  fs::create_directories(dir + "/loop/train");
  fs::create_symlink("b", dir + "/loop/train/a");
  fs::create_symlink("a", dir + "/loop/train/b");
  CHECK_THAT(error_of([&] { read_image_folder(dir + "/loop", "train"); }),
             Catch::Contains("/loop/train/"));

  // Synthetic data is bounded like a file; an empty split is named.
  DataOptions synth;
  synth.dataset = "synthetic";
  synth.test_limit = 1'000'000'000;
  CHECK_THAT(error_of([&] {
               load_datasets(synth, {1, 28, 28}, 10, 0, false);
             }),
             Catch::Contains("data.test_limit: 1000000000 synthetic images of 1x28x28 exceed"));
  DataOptions tiny;
  tiny.dataset = "synthetic";
  tiny.train_limit = 2;
  tiny.val_fraction = 0.01;
  CHECK_THAT(error_of([&] {
               load_datasets(tiny, {1, 8, 8}, 10, 0, true);
             }),
             Catch::Contains("the validation split of synthetic holds no images"));
}
