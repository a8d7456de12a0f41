#pragma once
// PNG plots drawn by gnuplot (Debian's gnuplot-nox), the one place hwnas
// writes a gnuplot script: the data go inline as datablocks, so a plot
// leaves no file behind but its PNG, and the PNG appears whole or not at all.
#include <array>
#include <string>
#include <utility>
#include <vector>

namespace hwnas {

struct PlotSeries {
  std::string title;  ///< "" for no key entry
  /// (x, y); a NaN x ends a line there (gnuplot draws no segment across it).
  std::vector<std::pair<double, double>> points;
  std::string function;                      ///< instead of points, e.g. "1.1*x"
  std::string style = "points pt 7 ps 0.6";  ///< gnuplot's `with` clause
  /// (x, y, z) instead of points: heatmaps (`image`) and coloured points
  /// (`points palette`).
  std::vector<std::array<double, 3>> xyz;
};

struct Plot {
  std::string title, xlabel, ylabel;
  std::vector<PlotSeries> series;
  std::vector<std::string> settings;  ///< extra `set` lines, e.g. "xrange [0:10]"
  int width = 800, height = 600;
};

/// True when gnuplot can be run.
bool gnuplot_available();

/// Draws `plot` into `path`; false (and nothing written) when gnuplot is
/// missing or fails.
bool write_plot_png(const Plot& plot, const std::string& path);

}  // namespace hwnas
