#include "hwnas/nn/weights.h"

#include <filesystem>
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

void load_weights(torch::nn::Module& module, const std::string& path) {
  require_regular_file(path);
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(path);
  } catch (const c10::Error&) {
    throw InputError(path, "not a weights file (a libtorch archive written by hwnas)");
  }
  read_tensors(module, archive, path);
}

}  // namespace hwnas
