#include "hwnas/data/datasets.h"

#include "binary_file.h"

#include <filesystem>

#include <fmt/format.h>

#include "hwnas/common/error.h"
#include "hwnas/data/readers.h"

namespace hwnas {
namespace fs = std::filesystem;

std::string default_data_path(const std::string& dataset) {
  if (dataset == "fashion-mnist") return "/usr/share/datasets/fashion-mnist";
  if (dataset == "mnist") return "/usr/share/datasets/mnist";
  return "";
}

namespace {

// The gzip file Debian ships, else a plain one; a missing file is named by
// its .gz name.
auto idx_file_picker(const std::string& dir) {
  return [dir](const std::string& stem) {
    fs::path gz = fs::path(dir) / (stem + ".gz"), plain = fs::path(dir) / stem;
    return (fs::exists(plain) && !fs::exists(gz)) ? plain.string() : gz.string();
  };
}

// IDX pair by stem, gzip or plain.
ImageSet read_idx_split(const std::string& dir, const std::string& prefix,
                        const std::string& name) {
  auto pick = idx_file_picker(dir);
  return read_idx(pick(prefix + "-images-idx3-ubyte"), pick(prefix + "-labels-idx1-ubyte"), 10,
                  name);
}

std::string split_name(const DataOptions& cfg, bool train) {
  if (cfg.dataset == "fashion-mnist" || cfg.dataset == "mnist") return train ? "train" : "t10k";
  return train ? "train" : "test";
}

std::string data_path(const DataOptions& cfg) {
  return cfg.path.empty() ? default_data_path(cfg.dataset) : cfg.path;
}

// Made in memory: bounded like a dataset file.
std::int64_t synthetic_count(const DataOptions& cfg, bool train, const Shape& input) {
  const std::int64_t n = train ? (cfg.train_limit > 0 ? cfg.train_limit : 4096)
                               : (cfg.test_limit > 0 ? cfg.test_limit : 1024);
  if (double(n) * double(input.numel()) > double(kMaxDataFileBytes))
    throw InputError(train ? "data.train_limit" : "data.test_limit",
                     fmt::format("{} synthetic images of {}x{}x{} exceed the limit of {} bytes", n,
                                 input.c, input.h, input.w, kMaxDataFileBytes));
  return n;
}

ImageSet read_split(const DataOptions& cfg, bool train, const Shape& input, int num_classes,
                    std::uint64_t seed) {
  const std::string& d = cfg.dataset;
  const std::string path = data_path(cfg), split = split_name(cfg, train);
  if (d == "fashion-mnist" || d == "mnist") return read_idx_split(path, split, d);
  if (d == "cifar10") return read_cifar(path, 10, train);
  if (d == "cifar100") return read_cifar(path, 100, train);
  if (d == "npy") return read_npy_pair(path, split);
  if (d == "folder" && cfg.stream) {
    ImageSet s = list_image_folder(path, split, input);
    s.min_crop_scale = cfg.min_crop_scale;
    s.decode_threads = cfg.workers;
    return s;
  }
  if (d == "folder") return read_image_folder(path, split);
  HWNAS_ASSERT(d == "synthetic", "dataset names are validated by the config");
  return make_synthetic(input, num_classes, synthetic_count(cfg, train, input),
                        train ? seed : seed + 1);
}

// What read_split would give, from headers and listings only.
SplitShape peek_split(const DataOptions& cfg, bool train, const Shape& input, int num_classes) {
  const std::string& d = cfg.dataset;
  const std::string path = data_path(cfg), split = split_name(cfg, train);
  if (d == "fashion-mnist" || d == "mnist") {
    auto pick = idx_file_picker(path);
    return peek_idx(pick(split + "-images-idx3-ubyte"), pick(split + "-labels-idx1-ubyte"), 10);
  }
  if (d == "cifar10") return peek_cifar(path, 10, train);
  if (d == "cifar100") return peek_cifar(path, 100, train);
  if (d == "npy") return peek_npy_pair(path, split);
  if (d == "folder" && cfg.stream) {  // any image size: each is cut to the input
    const SplitShape folder = peek_image_folder(path, split);
    return {input, folder.num_classes};
  }
  if (d == "folder") return peek_image_folder(path, split);
  HWNAS_ASSERT(d == "synthetic", "dataset names are validated by the config");
  synthetic_count(cfg, train, input);
  return {input, num_classes};
}

// A split's images must be the network's input; its classes (0: not known
// without the labels) at most the network's outputs.
void check_fits(const DataOptions& cfg, const SplitShape& split, const Shape& input,
                int num_classes) {
  if (split.shape != input)
    throw InputError(
        "data",
        fmt::format(
            "{} images are {}x{}x{} but the network takes {}x{}x{}{}", cfg.dataset, split.shape.c,
            split.shape.h, split.shape.w, input.c, input.h, input.w,
            cfg.dataset == "folder" ? " (data.stream: true cuts each image to the input)" : ""));
  if (split.num_classes > num_classes)
    throw InputError("data", fmt::format("{} has {} classes but the network has {} outputs",
                                         cfg.dataset, split.num_classes, num_classes));
}

}  // namespace

void check_dataset_fits(const DataOptions& cfg, const Shape& input, int num_classes) {
  for (bool train : {true, false})
    check_fits(cfg, peek_split(cfg, train, input, num_classes), input, num_classes);
}

Datasets load_datasets(const DataOptions& cfg, const Shape& input, int num_classes,
                       std::uint64_t seed, bool hold_out_val) {
  Datasets ds;
  ImageSet train = read_split(cfg, true, input, num_classes, seed);
  ds.test =
      stratified_limit(read_split(cfg, false, input, num_classes, seed), cfg.test_limit, seed);
  for (const ImageSet* s : {&train, &ds.test})
    check_fits(cfg, {s->shape, s->num_classes}, input, num_classes);
  if (hold_out_val && cfg.val_fraction > 0) {
    TrainVal tv = split_train_val(train, cfg.val_fraction, cfg.train_limit, seed);
    ds.train = std::move(tv.train);
    ds.val = std::move(tv.val);
  } else {
    ds.train = stratified_limit(train, cfg.train_limit, seed);
  }
  // A split left empty (a tiny folder, a large val_fraction) is the user's to fix.
  const std::pair<const char*, const ImageSet*> splits[] = {
      {"train", &ds.train}, {"test", &ds.test}, {"validation", &ds.val}};
  for (const auto& [name, set] : splits)
    if (set->size() == 0 && (set != &ds.val || (hold_out_val && cfg.val_fraction > 0)))
      throw InputError("data",
                       fmt::format("the {} split of {} holds no images{}", name, cfg.dataset,
                                   set == &ds.val ? " (raise data.val_fraction)" : ""));
  ds.norm = channel_stats(ds.train);
  return ds;
}

}  // namespace hwnas
