#pragma once
// A search space: fixed layers + searchable positions, each with an allowed
// list of named candidates (DESIGN.md's space YAML). Torch-free.
#include <string>
#include <vector>

#include "hwnas/common/document.h"
#include "hwnas/ir/arch.h"

namespace hwnas {

struct Candidate {
  std::string name;
  Layer layer;  ///< a template: out/stride come from the position
};

struct Position {
  int layer_index = 0;  ///< index of this position's layer in a decoded Arch
  std::string stage;    ///< "stage2" or the stage's `name`
  Shape in, out;        ///< fixed: the space is a chain
  int stride = 1;
  std::vector<int> choices;   ///< allowed candidates (indices into Space::candidates), in order
  std::vector<Layer> layers;  ///< the instantiated layer of each allowed choice
};

struct Space {
  std::string name;
  std::string file;  ///< where it was loaded from
  std::vector<Candidate> candidates;
  std::vector<Position> positions;
  /// A decoded arch with each position's first choice; decode() overwrites
  /// the position layers.
  Arch skeleton;

  const Candidate& candidate_at(int position, int choice) const {
    return candidates[positions[position].choices[choice]];
  }
};

/// Reads and validates a space: every candidate at every position must build
/// and give the same output shape. Errors name file:line:col and the key.
Space read_space(const Document& doc);
/// By name (a file stem in the search_spaces folders) or by path.
Space load_space(const std::string& name_or_path);
/// The file a space name or path refers to; lists the known names on error.
std::string resolve_space_path(const std::string& name_or_path);
/// Names of the spaces in the search_spaces folders, sorted.
std::vector<std::string> list_spaces();

}  // namespace hwnas
