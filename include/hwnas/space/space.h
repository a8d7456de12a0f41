#pragma once
// A search space: fixed layers + searchable positions, each with an allowed
// list of named candidates; positions come from chain stages and from cells
// (docs/architecture.md's space YAML). Torch-free.
#include <string>
#include <utility>
#include <vector>

#include "hwnas/common/document.h"
#include "hwnas/ir/arch.h"

namespace hwnas {

struct Candidate {
  std::string name;
  Layer layer;  ///< a template: out/stride come from the position
};

/// Where a position's choice lands in a decoded Arch. A stage position has
/// one use; a cell's position has one per use of the cell, all sharing the
/// choice.
struct PositionUse {
  int layer_index = 0;        ///< index of the layer in a decoded Arch
  Shape in, out;              ///< fixed: every choice of a position gives the same shapes
  std::vector<Layer> layers;  ///< the instantiated layer of each allowed choice
};

struct Position {
  std::string stage;  ///< "stage2", the stage's `name`, or "cell nb201 edge 0->1"
  int stride = 1;
  std::vector<int> choices;  ///< allowed candidates (indices into Space::candidates), in order
  std::vector<PositionUse> uses;
};

/// A cell: node 0 reads the cell's input; node i > 0 sums op(node j) over
/// its edges j -> i; the last node is the cell's output. Edge e is position
/// first_position + e, shared by every use of the cell.
struct Cell {
  std::string name;
  int nodes = 0;
  std::vector<std::pair<int, int>> edges;  ///< (from, to), in genotype order
  int first_position = 0;
  int uses = 0;
};

/// External spellings of a genotype that a space accepts besides "1,0,3".
enum class GenotypeForm { Indices, Nb201 };

struct Space {
  std::string name;
  std::string file;  ///< where it was loaded from
  std::vector<Candidate> candidates;
  std::vector<Position> positions;
  std::vector<Cell> cells;
  GenotypeForm form = GenotypeForm::Indices;
  /// A decoded arch with each position's first choice; decode() overwrites
  /// the position layers.
  Arch skeleton;

  const Candidate& candidate_at(int position, int choice) const {
    return candidates[positions[position].choices[choice]];
  }
  /// Whether every position has one use in the network (no cells), so that a
  /// position is one layer (what supernets need).
  bool is_chain() const;
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
