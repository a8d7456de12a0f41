#pragma once
// A report's content as blocks (headings, text, tables, figures), rendered
// to Markdown and to one self-contained HTML page from the same blocks.
#include <string>
#include <vector>

#include "hwnas/common/plot.h"

namespace hwnas::report {

using Row = std::vector<std::string>;

struct Block {
  enum class Kind { Heading, Text, Table, Figure } kind;
  int level = 2;          ///< headings
  std::string text;       ///< heading, text, or a figure's caption
  std::vector<Row> rows;  ///< tables: the first row is the header
  std::string file;       ///< figures: the PNG, relative to the report folder
};

class Page {
 public:
  void heading(int level, std::string text);
  /// Drops the last block when it is a heading (a section left empty).
  void drop_empty_heading();
  void text(std::string text);
  void table(std::vector<Row> rows);
  /// Draws `plot` into dir/file; adds the figure when it was drawn (a plot
  /// without data draws nothing). Returns whether it was.
  bool figure(const Plot& plot, const std::string& dir, const std::string& file,
              std::string caption);

  const std::vector<std::string>& files() const { return files_; }
  std::string markdown() const;
  /// Images inline as data: URLs, read from `dir`; no script, no network.
  std::string html(const std::string& dir, const std::string& title) const;

 private:
  std::vector<Block> blocks_;
  std::vector<std::string> files_;
};

}  // namespace hwnas::report
