#include "hwnas/search/strategy_options.h"

#include "hwnas/search/fitness_options.h"
#include "hwnas/search/random_options.h"
#include "hwnas/search/supernet_options.h"

namespace hwnas {

const StrategyOptionsRegistry& builtin_strategy_options() {
  static const StrategyOptionsRegistry r = [] {
    StrategyOptionsRegistry r;
    register_supernet_options(r);
    register_random_options(r);
    return r;
  }();
  return r;
}

json TrainFitnessOptions::to_json() const {
  return {{"type", type}, {"epochs", epochs}, {"images", images}};
}

const FitnessOptionsRegistry& builtin_fitness_options() {
  static const FitnessOptionsRegistry r = [] {
    FitnessOptionsRegistry r;
    r.add("train",
          "short training from scratch (train: optimizer, schedule, batch; fitness.epochs), "
          "top-1 on the validation split",
          [](Fields& f) {
            auto o = std::make_unique<TrainFitnessOptions>();
            o->epochs = int(f.get_int("epochs", 1, 10000, o->epochs));
            o->images = f.get_int("images", 0, 1'000'000'000, o->images);
            f.finish();
            return o;
          });
    return r;
  }();
  return r;
}

}  // namespace hwnas
