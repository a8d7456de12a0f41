#include "hwnas/cost/bench_table.h"

#include <cmath>
#include <optional>
#include <vector>

#include <fmt/format.h>

#include "hwnas/common/error.h"
#include "hwnas/common/files.h"
#include "hwnas/common/text.h"

namespace hwnas {

namespace {

// One CSV record's fields (RFC 4180 quoting: "a,b" and "" inside quotes).
// Empty optional when the quoting is broken.
std::optional<std::vector<std::string>> split_record(const std::string& line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char ch = line[i];
    if (quoted) {
      if (ch != '"') {
        fields.back() += ch;
      } else if (i + 1 < line.size() && line[i + 1] == '"') {
        fields.back() += '"';
        ++i;
      } else {
        quoted = false;
      }
    } else if (ch == '"' && fields.back().empty()) {
      quoted = true;
    } else if (ch == ',') {
      fields.emplace_back();
    } else {
      fields.back() += ch;
    }
  }
  if (quoted) return std::nullopt;
  return fields;
}

std::string trimmed(std::string s) {
  const auto a = s.find_first_not_of(" \t"), b = s.find_last_not_of(" \t");
  return a == std::string::npos ? "" : s.substr(a, b - a + 1);
}

}  // namespace

const double* BenchTable::find(const Genotype& g) const {
  auto it = values.find(g);
  return it == values.end() ? nullptr : &it->second;
}

BenchTable read_bench_table(const std::string& path, const Space& space, const std::string& column,
                            const std::string& genotype_column) {
  require_regular_file(path);
  BenchTable t;
  t.file = path;
  t.column = column;
  t.genotype_column = genotype_column;
  const std::string text = read_text_file(path);
  std::size_t start = 0;
  std::int64_t line_no = 0;
  auto next_line = [&](std::string& line) {
    if (start >= text.size()) return false;
    std::size_t nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    line = text.substr(start, nl - start);
    start = nl + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return true;
  };
  auto fail = [&](const std::string& msg) {
    throw InputError(fmt::format("{}:{}", path, line_no), msg);
  };
  std::string line;
  if (!next_line(line))
    throw InputError(path, "is empty; expected a header row naming its columns");
  if (line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);  // a spreadsheet's byte-order mark
  const auto header = split_record(line);
  if (!header) fail("the header's quotes do not close");
  int key = -1, value = -1;
  for (std::size_t i = 0; i < header->size(); ++i) {
    const std::string name = trimmed((*header)[i]);
    if (name == genotype_column) key = int(i);
    if (name == column) value = int(i);
  }
  const std::string columns = join(*header);
  if (key < 0)
    fail(fmt::format("no genotype column '{}' (genotype_column); the columns are: {}",
                     genotype_column, columns));
  if (value < 0) fail(fmt::format("no column '{}'; the columns are: {}", column, columns));
  while (next_line(line)) {
    if (trimmed(line).empty()) continue;
    const auto fields = split_record(line);
    if (!fields) fail("a quoted field does not close");
    if (fields->size() != header->size())
      fail(fmt::format("has {} fields but the header has {}", fields->size(), header->size()));
    ++t.rows;
    const std::string cell = trimmed((*fields)[std::size_t(value)]);
    const std::string where = fmt::format("{}:{}: {}", path, line_no, genotype_column);
    Genotype g;
    try {
      g = parse_genotype(space, trimmed((*fields)[std::size_t(key)]), where);
    } catch (const InputError& e) {
      fail(fmt::format("{} of space {}: {}", genotype_column, space.name, e.message()));
    }
    if (cell.empty()) {
      ++t.blank;
      t.records.push_back({std::move(g), std::nullopt, line_no});
      continue;
    }
    const auto v = parse_decimal(cell);
    if (!v || !std::isfinite(*v))
      fail(fmt::format("{}: expected a number, got '{}'", column, cell));
    t.records.push_back({g, *v, line_no});
    const auto [it, fresh] = t.values.emplace(g, *v);
    if (!fresh && it->second != *v)
      fail(fmt::format("genotype {} appears again with {} = {} (first {})", format_genotype(g),
                       column, *v, it->second));
  }
  if (t.values.empty())
    throw InputError(path, fmt::format("holds no value in column '{}'", column));
  return t;
}

TableCostModel::TableCostModel(const Space& space, BenchTable table, Metric metric,
                               bool missing_is_infinite)
    : space_(space),
      table_(std::move(table)),
      metric_(metric),
      missing_is_infinite_(missing_is_infinite) {}

Cost TableCostModel::network(const Arch& arch) const {
  const Genotype g = encode(space_, arch);
  Cost c;
  if (const double* v = table_.find(g)) {
    c[metric_] = *v;
  } else if (missing_is_infinite_) {
    c[metric_] = INFINITY;
  } else {
    throw InputError(table_.file, fmt::format("has no {} for genotype {} (missing: infinite "
                                              "leaves unmeasured archs out of the search)",
                                              table_.column, format_genotype(g)));
  }
  return c;
}

}  // namespace hwnas
