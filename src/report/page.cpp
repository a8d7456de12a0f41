#include "page.h"

#include <fstream>
#include <iterator>
#include <sstream>

#include <fmt/format.h>

#include "hwnas/common/error.h"

namespace hwnas::report {

namespace {

bool has_data(const Plot& plot) {
  for (const auto& s : plot.series)
    if (!s.points.empty() || !s.xyz.empty()) return true;
  return false;
}

std::string md_cell(const std::string& s) {
  std::string out;
  for (char c : s)
    out += c == '|' ? std::string("\\|") : c == '\n' ? std::string(" ") : std::string(1, c);
  return out;
}

std::string escaped(const std::string& s) {
  std::string out;
  for (char c : s) switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  return out;
}

// Text in HTML: escaped, with Markdown's `code` and **strong** spans.
std::string inline_html(const std::string& s) {
  std::string out;
  bool code = false, strong = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '`') {
      out += code ? "</code>" : "<code>";
      code = !code;
    } else if (!code && s.compare(i, 2, "**") == 0) {
      out += strong ? "</strong>" : "<strong>";
      strong = !strong;
      ++i;
    } else {
      out += escaped(std::string(1, s[i]));
    }
  }
  if (code) out += "</code>";
  if (strong) out += "</strong>";
  return out;
}

std::string base64(const std::string& bytes) {
  static const char* abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    if (i + 2 < bytes.size()) v |= static_cast<unsigned char>(bytes[i + 2]);
    out += abc[(v >> 18) & 63];
    out += abc[(v >> 12) & 63];
    out += i + 1 < bytes.size() ? abc[(v >> 6) & 63] : '=';
    out += i + 2 < bytes.size() ? abc[v & 63] : '=';
  }
  return out;
}

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

void Page::heading(int level, std::string text) {
  blocks_.push_back({Block::Kind::Heading, level, std::move(text), {}, ""});
}

void Page::drop_empty_heading() {
  if (!blocks_.empty() && blocks_.back().kind == Block::Kind::Heading) blocks_.pop_back();
}

void Page::text(std::string text) {
  blocks_.push_back({Block::Kind::Text, 0, std::move(text), {}, ""});
}

void Page::table(std::vector<Row> rows) {
  if (rows.size() > 1) blocks_.push_back({Block::Kind::Table, 0, "", std::move(rows), ""});
}

bool Page::figure(const Plot& plot, const std::string& dir, const std::string& file,
                  std::string caption) {
  if (!has_data(plot)) return false;
  if (!write_plot_png(plot, dir + "/" + file))
    throw std::runtime_error(fmt::format("gnuplot failed to draw {}", file));
  blocks_.push_back({Block::Kind::Figure, 0, std::move(caption), {}, file});
  files_.push_back(file);
  return true;
}

std::string Page::markdown() const {
  std::string md;
  for (const Block& b : blocks_) switch (b.kind) {
      case Block::Kind::Heading:
        md += std::string(b.level, '#') + " " + b.text + "\n\n";
        break;
      case Block::Kind::Text:
        md += b.text + "\n\n";
        break;
      case Block::Kind::Table:
        for (std::size_t r = 0; r < b.rows.size(); ++r) {
          md += "|";
          for (const auto& c : b.rows[r]) md += " " + md_cell(c) + " |";
          md += "\n";
          if (r == 0) {
            md += "|";
            for (std::size_t c = 0; c < b.rows[0].size(); ++c) md += "---|";
            md += "\n";
          }
        }
        md += "\n";
        break;
      case Block::Kind::Figure:
        md += fmt::format("![{}]({})\n\n", b.text, b.file);
        break;
    }
  return md;
}

std::string Page::html(const std::string& dir, const std::string& title) const {
  std::ostringstream h;
  h << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>"
    << escaped(title)
    << "</title>\n<style>\nbody{font-family:sans-serif;max-width:1000px;margin:2em auto;"
       "padding:0 1em;color:#222}\ntable{border-collapse:collapse;margin:1em 0}\n"
       "td,th{border:1px solid #bbb;padding:3px 8px;text-align:left}\nth{background:#eee}\n"
       "figure{margin:1em 0}\nimg{max-width:100%}\nfigcaption{color:#555}\n</style>\n"
       "</head>\n<body>\n";
  for (const Block& b : blocks_) switch (b.kind) {
      case Block::Kind::Heading:
        h << fmt::format("<h{0}>{1}</h{0}>\n", std::min(b.level, 6), escaped(b.text));
        break;
      case Block::Kind::Text:
        h << "<p>" << inline_html(b.text) << "</p>\n";
        break;
      case Block::Kind::Table:
        h << "<table>\n";
        for (std::size_t r = 0; r < b.rows.size(); ++r) {
          h << "<tr>";
          for (const auto& c : b.rows[r])
            h << (r == 0 ? "<th>" : "<td>") << escaped(c) << (r == 0 ? "</th>" : "</td>");
          h << "</tr>\n";
        }
        h << "</table>\n";
        break;
      case Block::Kind::Figure:
        h << "<figure><img alt=\"" << escaped(b.text) << "\" src=\"data:image/png;base64,"
          << base64(read_bytes(dir + "/" + b.file)) << "\"><figcaption>" << inline_html(b.text)
          << "</figcaption></figure>\n";
        break;
    }
  h << "</body>\n</html>\n";
  return h.str();
}

}  // namespace hwnas::report
