#include "hwnas/train/communicator.h"

#include <cmath>

#include <fmt/format.h>

#include "hwnas/common/error.h"
#include "hwnas/common/text.h"

namespace hwnas {

Communicator& local_communicator() {
  static LocalCommunicator c;
  return c;
}

bool Communicator::any(bool flag) {
  if (size() == 1) return flag;
  std::vector<double> v{flag ? 1.0 : 0.0};
  sum(v);
  return v[0] > 0;
}

std::string first_difference(const json& a, const json& b, const std::string& path) {
  if (a.type() != b.type()) return path.empty() ? "(top level)" : path;
  if (a.is_object()) {
    for (const auto& [k, v] : a.items()) {
      const std::string p = path.empty() ? k : path + "." + k;
      if (!b.contains(k)) return p;
      std::string d = first_difference(v, b.at(k), p);
      if (!d.empty()) return d;
    }
    for (const auto& [k, v] : b.items())
      if (!a.contains(k)) return path.empty() ? k : path + "." + k;
    return "";
  }
  if (a.is_array()) {
    for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
      std::string d = first_difference(a[i], b[i], fmt::format("{}[{}]", path, i));
      if (!d.empty()) return d;
    }
    return a.size() == b.size() ? "" : fmt::format("{}[{}]", path, std::min(a.size(), b.size()));
  }
  return a == b ? "" : (path.empty() ? "(top level)" : path);
}

void Communicator::agree(const json& what, const std::string& name) {
  if (size() == 1) return;
  const std::vector<std::string> all = all_gather(what.dump());
  const json first = json::parse(all[0]);
  for (int r = 1; r < size(); ++r) {
    if (all[std::size_t(r)] == all[0]) continue;
    const json other = json::parse(all[std::size_t(r)]);
    const std::string key = first_difference(first, other);
    // The values at the key, found by walking the same path.
    auto value = [&](const json& j) {
      const json* cur = &j;
      std::string part;
      auto step = [&](const std::string& k) {
        if (cur && cur->is_object() && cur->contains(k))
          cur = &(*cur)[k];
        else
          cur = nullptr;
      };
      for (std::size_t i = 0; i <= key.size(); ++i) {
        const char c = i < key.size() ? key[i] : '.';
        if (c == '.' || c == '[') {
          if (!part.empty()) step(part);
          part.clear();
        } else if (c == ']') {
          const std::size_t idx = std::stoul(part);
          cur = cur && cur->is_array() && idx < cur->size() ? &(*cur)[idx] : nullptr;
          part.clear();
        } else {
          part += c;
        }
      }
      return cur ? one_line(cur->dump()).substr(0, 120) : std::string("(absent)");
    };
    throw InputError(name + ": " + key,
                     fmt::format("differs between ranks: rank 0 has {}, rank {} has {}; every "
                                 "rank must run the same config and build",
                                 value(first), r, value(other)));
  }
}

void Communicator::check_in_sync(const std::vector<torch::Tensor>& params, const std::string& state,
                                 std::int64_t step) {
  if (size() == 1) return;
  // Position-weighted sums: a swap of two parameters changes it too.
  double checksum = 0;
  torch::NoGradGuard no_grad;
  for (std::size_t i = 0; i < params.size(); ++i)
    checksum +=
        double(i + 1) * params[i].detach().to(torch::kCPU, torch::kFloat64).sum().item<double>();
  const std::vector<std::string> all =
      all_gather(json{{"checksum", checksum}, {"state", state}}.dump());
  const json first = json::parse(all[0]);
  const double ref = first.at("checksum").get<double>();
  for (int r = 1; r < size(); ++r) {
    const json mine = json::parse(all[std::size_t(r)]);
    if (mine.at("state") != first.at("state"))
      throw std::runtime_error(fmt::format(
          "ranks diverged at step {}: rank {} is in another state than rank 0 ({} against {}); "
          "every rank must sample the same paths",
          step, r, one_line(mine.at("state").dump()).substr(0, 200),
          one_line(first.at("state").dump()).substr(0, 200)));
    const double v = mine.at("checksum").get<double>();
    if (std::abs(v - ref) > 1e-9 * std::max(1.0, std::abs(ref)))
      throw std::runtime_error(fmt::format(
          "ranks diverged at step {}: rank {}'s parameters differ from rank 0's (checksum {:.10g} "
          "against {:.10g}); the ranks must sample the same paths and see the same gradients",
          step, r, v, ref));
  }
}

}  // namespace hwnas
