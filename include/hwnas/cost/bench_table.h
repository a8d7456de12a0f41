#pragma once
// Benchmark tables: one row per architecture of a space, a genotype column
// and measured columns (a NAS benchmark's accuracy, a device's latency), as
// CSV. The `table` fitness provider and cost model read one column. Torch-free.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "hwnas/cost/cost_model.h"
#include "hwnas/space/genotype.h"

namespace hwnas {

/// One data row of a benchmark table, in file order.
struct BenchRecord {
  Genotype genotype;
  std::optional<double> value;  ///< empty: the cell is blank (not measured)
  std::int64_t line = 0;        ///< 1-based line in the file
};

struct BenchTable {
  std::string file, column, genotype_column;
  std::vector<BenchRecord> records;   ///< every data row, in file order
  std::map<Genotype, double> values;  ///< by genotype, every form normalised to indices
  std::int64_t rows = 0;              ///< data rows read
  std::int64_t blank = 0;             ///< rows whose cell in `column` is empty (not measured)

  /// nullptr when the table has no value for `g`.
  const double* find(const Genotype& g) const;
};

/// Reads `column` of the CSV at `path`, keyed by `genotype_column`, whose
/// cells hold genotypes of `space` in hwnas's comma form ("1,0,3", quoted
/// in a CSV) or the space's external form (NAS-Bench-201's ops code or arch
/// string). A blank cell is "not measured". Throws InputError naming
/// file:row and what was expected for: a missing file or column, a row of
/// the wrong width, a genotype that does not parse or fit the space, a value
/// that is not a finite number, the same genotype twice with different
/// values. Files are limited to 64 MiB.
BenchTable read_bench_table(const std::string& path, const Space& space, const std::string& column,
                            const std::string& genotype_column = "genotype");

/// Cost model `table`: one whole-network metric of `space`'s archs read from
/// a benchmark table (measured latency of every NAS-Bench-201 net on a
/// device hwnas does not run on). Not additive. An arch the table lacks is
/// an InputError, or, with `missing_is_infinite`, costs +infinity (a `max`
/// constraint then refuses it: unmeasured archs are outside the search).
class TableCostModel final : public CostModel {
 public:
  TableCostModel(const Space& space, BenchTable table, Metric metric, bool missing_is_infinite);
  std::string name() const override { return "table"; }
  MetricSet metrics() const override { return metric_set({metric_}); }
  MetricSet additive() const override { return {}; }
  bool supports(const Layer&) const override { return true; }
  Cost layer(const LayerContext&) const override { return Cost{}; }  // whole networks only
  Cost network(const Arch& arch) const override;
  std::optional<Provenance> provenance() const override {
    return Provenance{table_.file, space_.name, ""};
  }

 private:
  const Space& space_;
  BenchTable table_;
  Metric metric_;
  bool missing_is_infinite_;
};

}  // namespace hwnas
