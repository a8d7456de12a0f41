#pragma once
// Per position x candidate costs of one model over one space, so that an
// arch's cost is a sum of table entries (>= 1e6 archs/s), the supernet's
// expected cost is sum(p x cost), and constrained derivation is a search over
// the table. Only the model's additive metrics are tabled; the others are
// NaN here and must be evaluated on whole networks. Block-cell spaces table
// nothing per position, but cost() still prices their genotypes exactly
// through LayerSums where the model's metrics add over layers.
#include <memory>
#include <vector>

#include "hwnas/cost/cost_model.h"
#include "hwnas/cost/layer_sums.h"
#include "hwnas/space/genotype.h"

namespace hwnas {

class CostTable {
 public:
  /// Throws InputError naming the position and candidate the model cannot price.
  CostTable(const Space& space, const CostModel& model);

  const Cost& fixed() const { return fixed_; }
  const Cost& entry(int position, int choice) const { return entries_[position][choice]; }
  int positions() const { return int(entries_.size()); }
  int choices(int position) const { return int(entries_[position].size()); }
  /// The metrics with per-position entries (none for a block-cell space).
  MetricSet metrics() const { return metrics_; }
  /// The metrics cost() gives exactly: metrics(), or for a block-cell space
  /// the model's layer-additive ones.
  MetricSet priced() const { return sums_ ? sums_->metrics() : metrics_; }

  /// fixed + sum of the genotype's entries, or LayerSums's cost (genotype
  /// must be valid); NaN outside priced().
  Cost cost(const Genotype& g) const;
  /// Expected cost under independent per-position distributions
  /// (probs[position][choice], each row summing to 1).
  Cost expected(const std::vector<std::vector<double>>& probs) const;
  /// Per metric, the smallest / largest cost any arch of the space has.
  Cost min_cost() const;
  Cost max_cost() const;

 private:
  Cost extreme(bool want_min) const;
  MetricSet metrics_;
  Cost fixed_;
  std::vector<std::vector<Cost>> entries_;
  std::shared_ptr<const LayerSums> sums_;
};

}  // namespace hwnas
