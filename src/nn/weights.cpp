#include "hwnas/nn/weights.h"

#include <cstring>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "hwnas/common/error.h"
#include "hwnas/common/files.h"

namespace hwnas {
namespace fs = std::filesystem;

namespace {
std::map<std::string, torch::Tensor> named_tensors(torch::nn::Module& m) {
  std::map<std::string, torch::Tensor> out;
  for (const auto& p : m.named_parameters()) out[p.key()] = p.value();
  for (const auto& b : m.named_buffers()) out[b.key()] = b.value();
  return out;
}
}  // namespace

void write_tensors(torch::nn::Module& module, torch::serialize::OutputArchive& archive) {
  for (const auto& p : module.named_parameters())
    archive.write(p.key(), p.value().detach().contiguous());
  for (const auto& b : module.named_buffers()) archive.write(b.key(), b.value().contiguous(), true);
}

void save_archive_atomic(torch::serialize::OutputArchive& archive, const std::string& path) {
  std::ostringstream bytes;
  archive.save_to(bytes);
  write_file_atomic(path, bytes.str());
}

void save_weights(torch::nn::Module& module, const std::string& path) {
  torch::serialize::OutputArchive archive;
  write_tensors(module, archive);
  save_archive_atomic(archive, path);
}

void read_tensors(torch::nn::Module& module, torch::serialize::InputArchive& archive,
                  const std::string& source) {
  auto wanted = named_tensors(module);
  std::set<std::string> in_file;
  for (const auto& k : archive.keys()) in_file.insert(k);
  for (const auto& [name, dest] : wanted) {
    torch::Tensor t;
    if (!archive.try_read(name, t))
      throw InputError(source,
                       fmt::format("has no tensor '{}' (weights of another architecture?)", name));
    if (t.sizes() != dest.sizes())
      throw InputError(
          source, fmt::format("tensor '{}' has shape [{}] but the architecture needs [{}]", name,
                              fmt::join(t.sizes(), ", "), fmt::join(dest.sizes(), ", ")));
    in_file.erase(name);
  }
  if (!in_file.empty())
    throw InputError(source,
                     fmt::format("has tensor '{}' that the architecture does not have (weights of "
                                 "another architecture?)",
                                 *in_file.begin()));
  torch::NoGradGuard no_grad;
  for (auto& [name, dest] : wanted) {
    torch::Tensor t;
    archive.try_read(name, t);
    dest.copy_(t);
  }
}

namespace {

std::string dtype_name(torch::ScalarType t) {
  switch (t) {
    case torch::kFloat:
      return "float32";
    case torch::kDouble:
      return "float64";
    case torch::kHalf:
      return "float16";
    case torch::kBFloat16:
      return "bfloat16";
    case torch::kLong:
      return "int64";
    case torch::kInt:
      return "int32";
    case torch::kShort:
      return "int16";
    case torch::kChar:
      return "int8";
    case torch::kByte:
      return "uint8";
    case torch::kBool:
      return "bool";
    default:
      return std::string(c10::toString(t));
  }
}

}  // namespace

void apply_weights(torch::nn::Module& module, const WeightsArchive& archive,
                   const std::string& source) {
  auto wanted = named_tensors(module);
  std::map<std::string, const ArchiveTensor*> in_file;
  for (const auto& t : archive.tensors)
    if (!in_file.emplace(t.name, &t).second)
      throw InputError(source, fmt::format("has tensor '{}' twice", t.name));
  for (const auto& [name, dest] : wanted) {
    auto it = in_file.find(name);
    if (it == in_file.end())
      throw InputError(source,
                       fmt::format("has no tensor '{}' (weights of another architecture?)", name));
    const ArchiveTensor& t = *it->second;
    if (t.dtype != dtype_name(dest.scalar_type()))
      throw InputError(source, fmt::format("tensor '{}' is {} but the architecture needs {}", name,
                                           t.dtype, dtype_name(dest.scalar_type())));
    if (c10::IntArrayRef(t.sizes) != dest.sizes())
      throw InputError(
          source, fmt::format("tensor '{}' has shape [{}] but the architecture needs [{}]", name,
                              fmt::join(t.sizes, ", "), fmt::join(dest.sizes(), ", ")));
  }
  for (const auto& [name, t] : in_file)
    if (!wanted.count(name))
      throw InputError(
          source, fmt::format("has tensor '{}' that the architecture does not have (weights of "
                              "another architecture?)",
                              name.substr(0, 128)));
  // Each storage is copied into an aligned tensor of its own, then viewed
  // with the checked sizes, strides and offset.
  torch::NoGradGuard no_grad;
  for (auto& [name, dest] : wanted) {
    const ArchiveTensor& t = *in_file.at(name);
    torch::Tensor storage =  // on the CPU: copy_ moves it to the net's device
        torch::empty({t.storage_elements}, torch::TensorOptions().dtype(dest.scalar_type()));
    std::memcpy(storage.data_ptr(), archive.bytes.data() + t.data_begin,
                std::size_t(t.storage_elements) * std::size_t(t.element_size));
    dest.copy_(storage.as_strided(t.sizes, t.strides, t.offset));
  }
}

void check_weights_fit(const Arch& arch, const WeightsArchive& archive, const std::string& source) {
  std::int64_t held = 0;
  for (const auto& t : archive.tensors) {
    std::int64_t n = 1;
    for (auto d : t.sizes) n *= d;  // bounded by the archive's checks
    held += n;
  }
  const std::int64_t params = analyze(arch).params;
  if (held < params)
    throw InputError(source, fmt::format("holds {} values, but {} has {} parameters (weights of "
                                         "another architecture?)",
                                         held, arch.name, params));
}

void load_weights(torch::nn::Module& module, const std::string& path) {
  apply_weights(module, read_weights_archive(path), path);
}

}  // namespace hwnas
