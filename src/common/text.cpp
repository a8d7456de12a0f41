#include "hwnas/common/text.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace hwnas {

namespace {
// Edit distance counting a swap of neighbours as one edit ("trian" -> "train").
std::size_t edit_distance(std::string_view a, std::string_view b) {
  const std::size_t n = a.size(), m = b.size();
  std::vector<std::vector<std::size_t>> d(n + 1, std::vector<std::size_t>(m + 1));
  for (std::size_t i = 0; i <= n; ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= m; ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= n; ++i)
    for (std::size_t j = 1; j <= m; ++j) {
      d[i][j] = std::min(
          {d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[n][m];
}
}  // namespace

std::optional<std::string> closest_word(std::string_view word,
                                        const std::vector<std::string>& known) {
  const std::string* best = nullptr;
  std::size_t best_d = 0;
  // Never more than 3 edits, so words whose lengths differ more cannot match:
  // skip them (a 20,000-character word would otherwise fill a huge matrix).
  constexpr std::size_t kMaxEdits = 3;
  for (const auto& k : known) {
    if (word.size() > k.size() + kMaxEdits || k.size() > word.size() + kMaxEdits) continue;
    std::size_t d = edit_distance(word, k);
    if (!best || d < best_d) best = &k, best_d = d;
  }
  // Close enough to be a typo: at most a third of the word, and at most 3 edits.
  // Never for words so short that any one edit reaches them.
  if (best && best_d > 0 && best_d < word.size() && best_d < best->size() &&
      best_d <= std::min<std::size_t>(kMaxEdits, std::max<std::size_t>(1, word.size() / 3)))
    return *best;
  return std::nullopt;
}

std::string did_you_mean(std::string_view word, const std::vector<std::string>& known) {
  auto c = closest_word(word, known);
  return c ? fmt::format(" (did you mean '{}'?)", *c) : "";
}

std::string join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out += sep;
    out += items[i];
  }
  return out;
}

std::size_t first_invalid_utf8(std::string_view s) {
  std::size_t i = 0, n = s.size();
  while (i < n) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t len;
    std::uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      len = 2, cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3, cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4, cp = c & 0x07;
    } else {
      return i;
    }
    if (i + len > n) return i;
    for (std::size_t k = 1; k < len; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (cc & 0x3F);
    }
    // Overlong forms, surrogates and out-of-range code points are invalid.
    static const std::uint32_t min_cp[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min_cp[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return i;
    i += len;
  }
  return std::string_view::npos;
}

LineCol line_col_at(std::string_view text, std::size_t offset) {
  LineCol lc{1, 1};
  offset = std::min(offset, text.size());
  for (std::size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++lc.line;
      lc.col = 1;
    } else {
      ++lc.col;
    }
  }
  return lc;
}

std::string format_number(double v) {
  if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 1e15)
    return fmt::format("{}", static_cast<long long>(v));
  return fmt::format("{:.6g}", v);
}

std::vector<std::string> split(std::string_view text, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (;;) {
    const std::size_t at = text.find(sep, start);
    out.emplace_back(text.substr(start, at == std::string_view::npos ? text.npos : at - start));
    if (at == std::string_view::npos) return out;
    start = at + 1;
  }
}

std::string one_line(std::string_view message) {
  constexpr std::size_t kLongRun = 200, kHead = 80, kTail = 40;
  std::string escaped;
  for (char ch : message) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '\n')
      escaped += "\\n";
    else if (c == '\r')
      escaped += "\\r";
    else if (c == '\t')
      escaped += ' ';
    else if (c < 0x20 || c == 0x7f)
      escaped += fmt::format("\\x{:02x}", c);
    else
      escaped += ch;
  }
  std::string out;
  std::size_t i = 0;
  while (i < escaped.size()) {
    std::size_t j = escaped.find(' ', i);
    if (j == std::string::npos) j = escaped.size();
    std::string_view run(escaped.data() + i, j - i);
    if (run.size() > kLongRun) {
      out += run.substr(0, kHead);
      out += fmt::format("...[{} bytes]...", run.size() - kHead - kTail);
      out += run.substr(run.size() - kTail);
    } else {
      out += run;
    }
    if (j < escaped.size()) out += ' ';
    i = j + 1;
  }
  return out;
}

namespace {

std::string_view unsigned_part(std::string_view v) {
  if (!v.empty() && (v[0] == '-' || v[0] == '+')) v.remove_prefix(1);
  return v;
}

std::size_t skip_digits(std::string_view v, std::size_t i) {
  while (i < v.size() && v[i] >= '0' && v[i] <= '9') ++i;
  return i;
}

}  // namespace

bool is_integer_text(std::string_view text) {
  const std::string_view v = unsigned_part(text);
  return !v.empty() && skip_digits(v, 0) == v.size();
}

bool is_decimal_text(std::string_view text) {
  const std::string_view v = unsigned_part(text);
  std::size_t i = skip_digits(v, 0);
  const bool int_part = i > 0;
  if (i < v.size() && v[i] == '.') {
    const std::size_t f = skip_digits(v, i + 1);
    if (!int_part && f == i + 1) return false;
    i = f;
  } else if (!int_part) {
    return false;
  }
  if (i < v.size() && (v[i] == 'e' || v[i] == 'E')) {
    ++i;
    if (i < v.size() && (v[i] == '-' || v[i] == '+')) ++i;
    const std::size_t e = skip_digits(v, i);
    if (e == i) return false;
    i = e;
  }
  return i == v.size();
}

std::optional<double> parse_decimal(std::string_view text) {
  if (!is_decimal_text(text)) return std::nullopt;
  const double v = std::strtod(std::string(text).c_str(), nullptr);
  if (!std::isfinite(v)) return std::nullopt;
  return v;
}

}  // namespace hwnas
