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
  /// Block cells: each choice at stride 2, for a reduction cell's op that
  /// reads a cell input (`skip` becomes `factreduce`, as in DARTS).
  std::vector<Layer> strided;
  Shape strided_in;  ///< what the strided form reads: the cell's input size
  /// Block cells' input positions: the layer each choice reads.
  std::vector<int> sources;
};

struct Position {
  /// Op: the choices are candidates. Input: a block cell's choice of what a
  /// block reads (0 and 1: the cell's two inputs; 2 + b: block b's sum).
  enum class Kind { Op, Input };
  std::string stage;  ///< "stage2", the stage's `name`, or "cell nb201 edge 0->1"
  Kind kind = Kind::Op;
  int stride = 1;
  std::vector<int> choices;  ///< allowed candidates (indices into Space::candidates), in order
  std::vector<PositionUse> uses;
};

/// One use of a block (NASNet-style) cell in a decoded Arch: block b's slot
/// j has its input position at first_position + 4b + 2j and its op position
/// right after; the output concatenates the blocks no block reads.
struct BlockCellUse {
  bool reduction = false;
  int use = 0;  ///< index into its positions' `uses`
  int first_position = 0;
  std::vector<int> sums;  ///< the layer of each block's sum
  int output = 0;         ///< the concat (a `skip` when one block is left)
};

/// A cell: node 0 reads the cell's input; node i > 0 sums op(node j) over
/// its edges j -> i; the last node is the cell's output. Edge e is position
/// first_position + e, shared by every use of the cell.
struct Cell {
  std::string name;
  int blocks = 0;  ///< > 0: a block cell (two inputs, blocks pick inputs and ops)
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
  std::vector<BlockCellUse> block_cells;
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
  /// Whether costs add up over positions. Block cells make a later layer's
  /// width depend on the genotype (the loose-end concat), so they do not.
  bool additive() const { return block_cells.empty(); }
  /// How a choice reads: the candidate's name, or for an input position
  /// "in0", "in1" (the cell's inputs) or "block2" (block 2's sum).
  std::string choice_name(int position, int choice) const;
};

/// Reads and validates a space: every candidate at every position must build
/// and give the same output shape. Errors name file:line:col and the key.
Space read_space(const Document& doc);
/// By name (a file stem in the search_spaces folders) or by path.
Space load_space(const std::string& name_or_path);
/// The file a space name or path refers to; lists the known names on error.
std::string resolve_space_path(const std::string& name_or_path);
/// True when `name_or_path` is a file path (it has a `/` or ends in `.yaml`),
/// false for a bare space name, which only the shipped folders are searched for.
bool is_space_path(const std::string& name_or_path);
/// Names of the spaces in the search_spaces folders, sorted.
std::vector<std::string> list_spaces();

}  // namespace hwnas
