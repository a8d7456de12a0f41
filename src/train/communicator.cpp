#include "hwnas/train/communicator.h"

#include <cmath>
#include <optional>

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

std::optional<Difference> first_difference(const json& a, const json& b, Difference here) {
  auto at = [&](const std::string& token, std::string key) {
    return Difference{std::move(key), here.at / token};
  };
  if (a.is_object() && b.is_object()) {
    for (const auto& [k, v] : a.items()) {
      Difference d = at(k, here.key.empty() ? k : here.key + "." + k);
      if (!b.contains(k)) return d;
      if (auto deeper = first_difference(v, b.at(k), d)) return deeper;
    }
    for (const auto& [k, v] : b.items())
      if (!a.contains(k)) return at(k, here.key.empty() ? k : here.key + "." + k);
    return std::nullopt;
  }
  if (a.is_array() && b.is_array()) {
    const std::size_t common = std::min(a.size(), b.size());
    for (std::size_t i = 0; i < common; ++i)
      if (auto d = first_difference(a[i], b[i],
                                    at(std::to_string(i), fmt::format("{}[{}]", here.key, i))))
        return d;
    if (a.size() == b.size()) return std::nullopt;
    return at(std::to_string(common), fmt::format("{}[{}]", here.key, common));
  }
  if (a == b) return std::nullopt;
  if (here.key.empty()) here.key = "(top level)";
  return here;
}

void Communicator::agree(const json& what, const std::string& name, const std::string& why) {
  if (size() == 1) return;
  const std::vector<std::string> all = all_gather(what.dump());
  const json first = json::parse(all[0]);
  for (int r = 1; r < size(); ++r) {
    if (all[std::size_t(r)] == all[0]) continue;
    const json other = json::parse(all[std::size_t(r)]);
    const Difference d = first_difference(first, other).value_or(Difference{"(top level)", {}});
    auto value = [&](const json& j) {
      return j.contains(d.at) ? one_line(j.at(d.at).dump()).substr(0, 120)
                              : std::string("(absent)");
    };
    throw InputError(name + ": " + d.key,
                     fmt::format("differs between ranks: rank 0 has {}, rank {} has {}; {}",
                                 value(first), r, value(other), why));
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
