#include <fmt/format.h>

#include "hwnas/common/clock.h"
#include "hwnas/common/stop.h"
#include "hwnas/search/fitness.h"

namespace hwnas {

bool score_spread(FitnessProvider& fitness, Communicator& comm, const std::vector<Genotype>& gs,
                  const std::function<void(std::size_t, double, double)>& scored) {
  if (comm.size() == 1) {
    for (std::size_t i = 0; i < gs.size(); ++i) {
      if (stop_requested().load()) return false;
      const auto t0 = Clock::now();
      const auto f = fitness.score(gs[i]);
      if (!f) return false;
      scored(i, *f, seconds_since(t0));
    }
    return !gs.empty() || !stop_requested().load();  // an empty batch: a check for a stop
  }
  json mine = {{"batch", json(gs).dump()}, {"scores", json::object()}};
  bool stopped = false;
  for (std::size_t i = std::size_t(comm.rank()); i < gs.size() && !stopped;
       i += std::size_t(comm.size())) {
    if (stop_requested().load()) {
      stopped = true;
      break;
    }
    const auto t0 = Clock::now();
    const auto f = fitness.score(gs[i]);
    if (!f)
      stopped = true;
    else
      mine["scores"][std::to_string(i)] = {*f, seconds_since(t0)};
  }
  mine["stopped"] = stopped || stop_requested().load();
  const std::vector<std::string> all = comm.all_gather(mine.dump());
  std::vector<json> parts;
  bool any_stopped = false;
  for (const auto& a : all) {
    parts.push_back(json::parse(a));
    any_stopped = any_stopped || parts.back().at("stopped").get<bool>();
  }
  // A rank that stopped may have gathered another batch: report nothing.
  if (any_stopped) return false;
  for (std::size_t r = 1; r < parts.size(); ++r)
    if (parts[r].at("batch") != parts[0].at("batch"))
      throw std::runtime_error(fmt::format(
          "ranks diverged: rank {} was to score other candidates than rank 0; every rank must "
          "run the same config with the same seed",
          r));
  for (std::size_t i = 0; i < gs.size(); ++i) {
    const json& s = parts[i % parts.size()].at("scores").at(std::to_string(i));
    scored(i, s[0].get<double>(), s[1].get<double>());
  }
  return true;
}

}  // namespace hwnas
