#include "hwnas/common/plot.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include <fmt/format.h>

namespace hwnas {

namespace {

// gnuplot strings in single quotes: a quote is doubled.
std::string quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

}  // namespace

bool gnuplot_available() {
  return std::system("command -v gnuplot >/dev/null 2>&1") == 0;
}

bool write_plot_png(const Plot& plot, const std::string& path) {
  namespace fs = std::filesystem;
  if (!gnuplot_available()) return false;
  const std::string tmp = path + ".tmp";
  std::string script;
  for (std::size_t k = 0; k < plot.series.size(); ++k) {
    if (!plot.series[k].function.empty()) continue;
    script += fmt::format("$s{} << EOD\n", k);
    for (const auto& [x, y] : plot.series[k].points)
      script += std::isnan(x) ? std::string("\n") : fmt::format("{:.10g} {:.10g}\n", x, y);
    for (const auto& [x, y, z] : plot.series[k].xyz)
      script += fmt::format("{:.10g} {:.10g} {:.10g}\n", x, y, z);
    script += "EOD\n";
  }
  script += fmt::format("set terminal png size {},{} noenhanced\nset output {}\n", plot.width,
                        plot.height, quoted(tmp));
  script += fmt::format("set title {}\nset xlabel {}\nset ylabel {}\nset key inside bottom right\n",
                        quoted(plot.title), quoted(plot.xlabel), quoted(plot.ylabel));
  for (const auto& s : plot.settings) script += "set " + s + "\n";
  std::string clauses;
  for (std::size_t k = 0; k < plot.series.size(); ++k) {
    const PlotSeries& s = plot.series[k];
    if (s.function.empty() && s.points.empty() && s.xyz.empty())
      continue;  // gnuplot refuses an empty block
    if (!clauses.empty()) clauses += ", ";
    clauses += !s.function.empty()
                   ? s.function
                   : fmt::format("$s{} using {}", k, s.xyz.empty() ? "1:2" : "1:2:3");
    clauses += " with " + s.style;
    clauses += s.title.empty() ? " notitle" : " title " + quoted(s.title);
  }
  if (clauses.empty()) return false;
  script += "plot " + clauses + "\nset output\n";
  FILE* gp = popen("gnuplot 2>/dev/null", "w");
  if (!gp) return false;
  std::fputs(script.c_str(), gp);
  const bool ok = pclose(gp) == 0 && fs::exists(tmp);
  std::error_code ec;
  if (ok) fs::rename(tmp, path, ec);
  fs::remove(tmp, ec);
  return ok && fs::exists(path);
}

}  // namespace hwnas
