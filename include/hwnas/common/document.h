#pragma once
// A parsed user document (YAML or JSON) and a strict reader over it.
//
// YAML files are converted to JSON values on load (plain scalars typed by the
// YAML 1.2 core schema, quoted scalars stay strings), keeping each value's
// line:col, so every schema in hwnas (arch JSON, space YAML, run config) is
// read by one reader and reports places the same way:
//   "configs/x.yaml:12:5: train.epochs: expected an integer in [1, 10000], got -3"
//   "net.arch.json: layers[3].k: expected an integer in [1, 15], got 4.5"
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

namespace hwnas {

using json = nlohmann::ordered_json;  // keeps keys in the order written

struct Document {
  std::string file;  // as the user named it
  json root;
  /// JSON pointer of a value -> 1-based (line, col); YAML sources only.
  std::unordered_map<std::string, std::pair<int, int>> marks;

  /// "file:line:col: key.path" (line:col where known; the path in dotted form).
  std::string place(const std::string& pointer, const std::string& dotted) const;
};

/// Limits that keep hostile inputs (alias bombs, absurd nesting) cheap to reject.
struct DocumentLimits {
  int max_depth = 64;  ///< Default: 64 levels of nesting.
  /// YAML: values after alias expansion. Default 100,000 (each costs a JSON
  /// value and a line:col record; a million of them took over 1 GB).
  std::size_t max_nodes = 100'000;
  /// JSON: parse events (about two per value; JSON has no aliases, so this
  /// follows the text's size). Default 4,000,000.
  std::size_t max_json_events = 4'000'000;
  std::size_t max_scalar_bytes = 65'536;  ///< Default: 64 KiB per scalar (a string or number).
  std::size_t max_key_bytes = 1024;       ///< Default: 1 KiB per mapping key.
};

/// Parses YAML text. Throws InputError naming `file` and line:col on syntax
/// errors, duplicate keys, non-scalar keys, too deep nesting or too many nodes.
Document parse_yaml(const std::string& text, const std::string& file, DocumentLimits = {});
/// Parses JSON text; duplicate keys are errors too.
Document parse_json(const std::string& text, const std::string& file, DocumentLimits = {});
/// Reads and parses a file: JSON when it ends in .json, YAML otherwise.
Document load_document(const std::string& path, DocumentLimits = {});

/// Emits a JSON value as block-style YAML (keys in the value's order).
std::string to_yaml(const json& value);

class Fields;

/// One value inside a Document, with its place. Cheap to copy.
class Value {
 public:
  Value(const Document& doc, const json& node, std::string pointer, std::string dotted);

  const json& raw() const { return *node_; }
  std::string place() const { return doc_->place(pointer_, dotted_); }
  [[noreturn]] void fail(const std::string& message) const;

  bool is_null() const { return node_->is_null(); }
  const Document& document() const { return *doc_; }
  bool is_object() const { return node_->is_object(); }
  /// Integer in [lo, hi]; integral floats are accepted, NaN and fractions are not.
  std::int64_t as_int(std::int64_t lo, std::int64_t hi) const;
  /// Finite number in [lo, hi].
  double as_number(double lo, double hi) const;
  bool as_bool() const;
  std::string as_string() const;
  /// One of `allowed`; otherwise lists them, with a suggestion.
  std::string as_choice(const std::vector<std::string>& allowed) const;
  Fields as_object() const;
  /// A list with size in [min_size, max_size].
  std::vector<Value> as_list(std::size_t min_size = 0, std::size_t max_size = SIZE_MAX) const;
  /// A list of integers, each in [lo, hi].
  std::vector<std::int64_t> as_int_list(std::int64_t lo, std::int64_t hi, std::size_t min_size = 0,
                                        std::size_t max_size = SIZE_MAX) const;

 private:
  friend class Fields;
  const Document* doc_;
  const json* node_;
  std::string pointer_, dotted_;
};

/// A strict reader of one mapping: every key it is asked about is "known";
/// finish() rejects any other key, suggesting the closest known one.
class Fields {
 public:
  explicit Fields(const Value& object);

  bool has(const std::string& key);
  /// The value of a required key.
  Value get(const std::string& key);
  /// The value of an optional key (absent or null -> nullopt).
  std::optional<Value> find(const std::string& key);

  std::int64_t get_int(const std::string& key, std::int64_t lo, std::int64_t hi);
  std::int64_t get_int(const std::string& key, std::int64_t lo, std::int64_t hi,
                       std::int64_t fallback);
  double get_number(const std::string& key, double lo, double hi);
  double get_number(const std::string& key, double lo, double hi, double fallback);
  bool get_bool(const std::string& key, bool fallback);
  std::string get_string(const std::string& key);
  std::string get_string(const std::string& key, const std::string& fallback);
  std::string get_choice(const std::string& key, const std::vector<std::string>& allowed);
  std::string get_choice(const std::string& key, const std::vector<std::string>& allowed,
                         const std::string& fallback);

  /// Every key with its value, in file order (all become known).
  std::vector<std::pair<std::string, Value>> entries();

  /// Throws on keys that no call above asked about.
  void finish() const;
  const Value& self() const { return self_; }
  /// The file this mapping was read from.
  const std::string& file() const;
  std::string place() const { return self_.place(); }
  [[noreturn]] void fail(const std::string& message) const { self_.fail(message); }

 private:
  Value child(const std::string& key) const;
  Value self_;
  std::vector<std::string> known_;
};

}  // namespace hwnas
