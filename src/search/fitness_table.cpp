// Fitness from a benchmark table: a lookup, for benchmarks on published
// ground truth (NAS-Bench-201) and for spaces measured elsewhere.
#include <filesystem>

#include <fmt/format.h>

#include "hwnas/common/error.h"
#include "hwnas/common/files.h"
#include "hwnas/cost/bench_table.h"
#include "hwnas/search/fitness.h"
#include "hwnas/search/fitness_options.h"

namespace hwnas {

namespace {

class TableFitness : public FitnessProvider {
 public:
  explicit TableFitness(const FitnessContext& ctx)
      : opt_(dynamic_cast<const TableFitnessOptions&>(*ctx.setup.fitness)), table_(*opt_.table) {}

  std::optional<double> score(const Genotype& g) override {
    if (const double* v = table_.find(g)) return *v;
    throw InputError(opt_.file, fmt::format("has no {} for genotype {} (fitness.missing: skip "
                                            "searches only the genotypes it has)",
                                            opt_.column, format_genotype(g)));
  }
  bool covers(const Genotype& g) const override {
    return opt_.missing == "error" || table_.find(g) != nullptr;
  }

 private:
  const TableFitnessOptions& opt_;
  const BenchTable& table_;
};

}  // namespace

void register_table_fitness(FitnessRegistry& r) {
  r.add("table", [](const FitnessContext& ctx) { return std::make_unique<TableFitness>(ctx); });
}

std::map<Genotype, json> read_candidate_records(const RunDir& run) {
  std::map<Genotype, json> out;
  const std::string path = run.file("candidates.jsonl");
  if (!std::filesystem::exists(path)) return out;
  const std::string text = read_text_file(path);
  std::size_t start = 0;
  int line = 1;
  for (std::size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1, ++line) {
    try {
      json j = json::parse(text.substr(start, nl - start));
      Genotype g = j.at("genotype").get<Genotype>();  // before j is moved from
      out[std::move(g)] = std::move(j);
    } catch (const json::exception& e) {
      throw InputError(path, fmt::format("line {} is not a candidate record: {}", line, e.what()));
    }
  }
  return out;
}

}  // namespace hwnas
