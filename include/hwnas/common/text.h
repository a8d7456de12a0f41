#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hwnas {

/// The entry of `known` within a small edit distance of `word` (a likely typo).
std::optional<std::string> closest_word(std::string_view word,
                                        const std::vector<std::string>& known);

/// " (did you mean 'x'?)" for the closest of `known` within a small edit
/// distance, or "" when nothing is close.
std::string did_you_mean(std::string_view word, const std::vector<std::string>& known);

/// "a, b, c".
std::string join(const std::vector<std::string>& items, std::string_view sep = ", ");

/// Pieces of `text` between `sep`s ("a,,b" -> "a", "", "b").
std::vector<std::string> split(std::string_view text, char sep);
/// Byte offset of the first invalid UTF-8 sequence, or npos when valid.
std::size_t first_invalid_utf8(std::string_view text);

struct LineCol {
  int line = 0, col = 0;  // 1-based
};
LineCol line_col_at(std::string_view text, std::size_t offset);

/// Strict number syntax (scanners, not std::regex, whose recursion overflows
/// the stack on texts of some 50,000 characters): [-+]?[0-9]+, and
/// [-+]?(.[0-9]+|[0-9]+(.[0-9]*)?)([eE][-+]?[0-9]+)?.
bool is_integer_text(std::string_view text);
bool is_decimal_text(std::string_view text);
/// A decimal number in that syntax, finite; nullopt otherwise (hex, "inf",
/// spaces, trailing text, 1e400).
std::optional<double> parse_decimal(std::string_view text);

/// A message as one printable line: control characters escaped ("\\n"), and
/// any run of over 200 bytes without a space (a hostile name or value) cut
/// to its first 80 and last 40 bytes around "...".
std::string one_line(std::string_view message);

/// Formats a number for messages and JSON-free output: integers without ".0",
/// others with up to 6 significant digits.
std::string format_number(double v);

}  // namespace hwnas
