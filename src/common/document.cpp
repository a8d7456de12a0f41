#include "hwnas/common/document.h"

#include <charconv>
#include <cmath>
#include <limits>
#include <sstream>

#include <fmt/format.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include "hwnas/common/error.h"
#include "hwnas/common/files.h"
#include "hwnas/common/text.h"

namespace hwnas {

namespace {

std::string escape_pointer_token(const std::string& key) {
  std::string out;
  for (char c : key) {
    if (c == '~')
      out += "~0";
    else if (c == '/')
      out += "~1";
    else
      out += c;
  }
  return out;
}

std::string join_dotted(const std::string& parent, const std::string& key) {
  return parent.empty() ? key : parent + "." + key;
}

std::string describe(const json& v) {
  switch (v.type()) {
    case json::value_t::null:
      return "nothing (null)";
    case json::value_t::object:
      return "a mapping";
    case json::value_t::array:
      return "a list";
    case json::value_t::string: {
      auto s = v.get<std::string>();
      if (s.size() > 40) s = s.substr(0, 37) + "...";
      return fmt::format("the string '{}'", s);
    }
    case json::value_t::boolean:
      return v.get<bool>() ? "true" : "false";
    case json::value_t::number_float: {
      double d = v.get<double>();
      if (std::isnan(d)) return "NaN";
      if (std::isinf(d)) return d > 0 ? "infinity" : "-infinity";
      return format_number(d);
    }
    default:
      return v.dump();
  }
}

// ---- YAML -> JSON -------------------------------------------------------------

// Plain scalars typed by the YAML 1.2 core schema.
json type_plain_scalar(const std::string& s) {
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  if (s == "null" || s == "Null" || s == "NULL" || s == "~" || s.empty()) return nullptr;
  if (is_integer_text(s)) {
    std::int64_t v = 0;
    const char* b = s.data() + (s[0] == '+' ? 1 : 0);
    auto r = std::from_chars(b, s.data() + s.size(), v);
    if (r.ec == std::errc() && r.ptr == s.data() + s.size()) return v;
    return std::strtod(s.c_str(), nullptr);  // too large for int64: keep the magnitude
  }
  if (is_decimal_text(s)) return std::strtod(s.c_str(), nullptr);
  if (s == ".inf" || s == ".Inf" || s == ".INF" || s == "+.inf" || s == "+.Inf" || s == "+.INF" ||
      s == "-.inf" || s == "-.Inf" || s == "-.INF")
    return s[0] == '-' ? -std::numeric_limits<double>::infinity()
                       : std::numeric_limits<double>::infinity();
  if (s == ".nan" || s == ".NaN" || s == ".NAN") return std::numeric_limits<double>::quiet_NaN();
  return s;
}

// Parser events, dropped: only the document count is wanted.
struct IgnoreEvents : YAML::EventHandler {
  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

class YamlConverter {
 public:
  YamlConverter(Document& doc, DocumentLimits lim) : doc_(doc), lim_(lim) {}

  json convert(const YAML::Node& n, const std::string& pointer, const std::string& dotted,
               int depth) {
    if (depth > lim_.max_depth)
      throw InputError(at(n, ""), fmt::format("nesting deeper than {} levels", lim_.max_depth));
    if (++nodes_ > lim_.max_nodes)
      throw InputError(at(n, dotted),
                       fmt::format("more than {} values after expanding aliases", lim_.max_nodes));
    if (n.Mark().line >= 0) doc_.marks[pointer] = {n.Mark().line + 1, n.Mark().column + 1};
    switch (n.Type()) {
      case YAML::NodeType::Null:
      case YAML::NodeType::Undefined:
        return nullptr;
      case YAML::NodeType::Scalar: {
        check_length(n, dotted, n.Scalar(), lim_.max_scalar_bytes, "value");
        const std::string& tag = n.Tag();
        if (tag == "!" || tag == "tag:yaml.org,2002:str") return n.Scalar();
        return type_plain_scalar(n.Scalar());
      }
      case YAML::NodeType::Sequence: {
        json arr = json::array();
        std::size_t i = 0;
        for (const auto& item : n) {
          arr.push_back(convert(item, pointer + "/" + std::to_string(i),
                                dotted + "[" + std::to_string(i) + "]", depth + 1));
          ++i;
        }
        return arr;
      }
      case YAML::NodeType::Map: {
        json obj = json::object();
        for (const auto& kv : n) {
          if (!kv.first.IsScalar())
            throw InputError(at(kv.first, dotted), "mapping keys must be plain words");
          std::string key = kv.first.Scalar();
          check_length(kv.first, dotted, key, lim_.max_key_bytes, "key");
          std::string kd = join_dotted(dotted, key);
          if (obj.contains(key)) throw InputError(at(kv.first, kd), "duplicate key '" + key + "'");
          obj[key] = convert(kv.second, pointer + "/" + escape_pointer_token(key), kd, depth + 1);
          // A null value has no mark of its own: point at its key.
          auto p = pointer + "/" + escape_pointer_token(key);
          if (!doc_.marks.count(p) && kv.first.Mark().line >= 0)
            doc_.marks[p] = {kv.first.Mark().line + 1, kv.first.Mark().column + 1};
        }
        return obj;
      }
    }
    return nullptr;
  }

 private:
  void check_length(const YAML::Node& n, const std::string& dotted, const std::string& text,
                    std::size_t max, const char* what) const {
    if (text.size() > max)
      throw InputError(at(n, dotted), fmt::format("a {} of {} bytes; at most {} are allowed", what,
                                                  text.size(), max));
  }
  std::string at(const YAML::Node& n, const std::string& dotted) const {
    std::string p = doc_.file;
    if (n.Mark().line >= 0) p += fmt::format(":{}:{}", n.Mark().line + 1, n.Mark().column + 1);
    return dotted.empty() ? p : p + ": " + dotted;
  }
  Document& doc_;
  DocumentLimits lim_;
  std::size_t nodes_ = 0;
};

}  // namespace

std::string Document::place(const std::string& pointer, const std::string& dotted) const {
  std::string p = file;
  // Absent keys have no mark: use the closest enclosing value's.
  std::string ptr = pointer;
  while (true) {
    auto it = marks.find(ptr);
    if (it != marks.end()) {
      p += fmt::format(":{}:{}", it->second.first, it->second.second);
      break;
    }
    if (ptr.empty()) break;
    ptr = ptr.substr(0, ptr.rfind('/'));
  }
  return dotted.empty() ? p : p + ": " + dotted;
}

Document parse_yaml(const std::string& text, const std::string& file, DocumentLimits lim) {
  Document doc;
  doc.file = file;
  YAML::Node root;
  int docs = 0;
  try {
    // Count the documents, stopping at a second: yaml-cpp 0.7's LoadAll
    // loops forever on some text (a lone ',' makes endless empty documents;
    // found by fuzzing). Then load the first.
    std::istringstream in(text);
    YAML::Parser parser(in);
    IgnoreEvents ignore;
    while (docs < 2 && parser.HandleNextDocument(ignore)) ++docs;
    if (docs == 1) root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    std::string where = file;
    if (e.mark.line >= 0) where += fmt::format(":{}:{}", e.mark.line + 1, e.mark.column + 1);
    // yaml-cpp reports its own nesting guard as "bad file".
    if (e.msg == YAML::ErrorMsg::BAD_FILE)
      throw InputError(where, "invalid YAML: nesting too deep");
    throw InputError(where, "invalid YAML: " + e.msg);
  }
  if (docs == 0) throw InputError(file, "file is empty");
  if (docs > 1)
    throw InputError(file,
                     "expected one YAML document, found more after it (a '---', or text "
                     "such as a stray ',')");
  YamlConverter conv(doc, lim);
  doc.root = conv.convert(root, "", "", 0);
  return doc;
}

Document parse_json(const std::string& text, const std::string& file, DocumentLimits lim) {
  Document doc;
  doc.file = file;
  // Duplicate keys and depth are checked while parsing; nlohmann would keep
  // the last duplicate silently.
  struct Frame {
    bool object;
    std::set<std::string> keys;
    std::string key;
    std::size_t index = 0;
  };
  std::vector<Frame> stack;
  auto path = [&] {
    std::string d;
    for (std::size_t i = 0; i + 1 < stack.size(); ++i) {
      if (stack[i].object)
        d = join_dotted(d, stack[i].key);
      else
        d += "[" + std::to_string(stack[i].index) + "]";
    }
    return d;
  };
  auto child_done = [&] {
    if (!stack.empty() && !stack.back().object) ++stack.back().index;
  };
  std::size_t nodes = 0;
  json::parser_callback_t cb = [&](int depth, json::parse_event_t ev, json& parsed) {
    if (depth > lim.max_depth)
      throw InputError(file, fmt::format("nesting deeper than {} levels", lim.max_depth));
    if (++nodes > lim.max_json_events)
      throw InputError(file, fmt::format("more than {} values", lim.max_json_events / 2));
    switch (ev) {
      case json::parse_event_t::object_start:
        stack.push_back({true, {}, {}, 0});
        break;
      case json::parse_event_t::array_start:
        stack.push_back({false, {}, {}, 0});
        break;
      case json::parse_event_t::key: {
        auto key = parsed.get<std::string>();
        if (key.size() > lim.max_key_bytes)
          throw InputError(file, fmt::format("{}: a key of {} bytes; at most {} are allowed",
                                             path().empty() ? "top level" : path(), key.size(),
                                             lim.max_key_bytes));
        auto& top = stack.back();
        top.key = key;
        if (!top.keys.insert(key).second) {
          std::string d = path();
          throw InputError(d.empty() ? file : file + ": " + join_dotted(d, key),
                           "duplicate key '" + key + "'");
        }
        break;
      }
      case json::parse_event_t::object_end:
      case json::parse_event_t::array_end:
        stack.pop_back();
        child_done();
        break;
      case json::parse_event_t::value:
        if (parsed.is_string() &&
            parsed.get_ref<const std::string&>().size() > lim.max_scalar_bytes)
          throw InputError(
              file, fmt::format("a value of {} bytes; at most {} are allowed",
                                parsed.get_ref<const std::string&>().size(), lim.max_scalar_bytes));
        child_done();
        break;
    }
    return true;
  };
  try {
    doc.root = json::parse(text, cb);
  } catch (const json::parse_error& e) {
    auto lc = line_col_at(text, e.byte > 0 ? e.byte - 1 : 0);
    std::string msg = e.what();
    if (auto pos = msg.find("column "); pos != std::string::npos) {
      if (auto colon = msg.find(": ", pos); colon != std::string::npos) msg = msg.substr(colon + 2);
    }
    throw InputError(fmt::format("{}:{}:{}", file, lc.line, lc.col), "invalid JSON: " + msg);
  } catch (const json::out_of_range& e) {  // a number beyond double, such as 1e400
    std::string msg = e.what();
    if (auto pos = msg.find("] "); pos != std::string::npos) msg = msg.substr(pos + 2);
    throw InputError(file, "invalid JSON: " + msg);
  }
  return doc;
}

Document load_document(const std::string& path, DocumentLimits lim) {
  std::string text = read_text_file(path);
  bool is_json = path.size() >= 5 && path.compare(path.size() - 5, 5, ".json") == 0;
  return is_json ? parse_json(text, path, lim) : parse_yaml(text, path, lim);
}

// ---- YAML emission --------------------------------------------------------------

namespace {
void emit(YAML::Emitter& out, const json& v) {
  switch (v.type()) {
    case json::value_t::object:
      out << YAML::BeginMap;
      for (auto it = v.begin(); it != v.end(); ++it) {
        out << YAML::Key << it.key() << YAML::Value;
        emit(out, it.value());
      }
      out << YAML::EndMap;
      break;
    case json::value_t::array: {
      bool flat = std::all_of(v.begin(), v.end(), [](const json& x) { return x.is_primitive(); });
      if (flat) out << YAML::Flow;
      out << YAML::BeginSeq;
      for (const auto& x : v) emit(out, x);
      out << YAML::EndSeq;
      break;
    }
    case json::value_t::string: {
      auto s = v.get<std::string>();
      // A string that would read back as another type is quoted.
      if (!type_plain_scalar(s).is_string()) out << YAML::DoubleQuoted;
      out << s;
      break;
    }
    case json::value_t::number_float: {
      double d = v.get<double>();
      if (std::isnan(d))
        out << ".nan";
      else if (std::isinf(d))
        out << (d > 0 ? ".inf" : "-.inf");
      else {
        std::string s = fmt::format("{}", d);
        if (s.find_first_of(".eE") == std::string::npos) s += ".0";
        out << s;
      }
      break;
    }
    case json::value_t::null:
      out << YAML::Null;
      break;
    case json::value_t::boolean:
      out << (v.get<bool>() ? "true" : "false");
      break;
    default:
      out << v.dump();
      break;
  }
}
}  // namespace

std::string to_yaml(const json& value) {
  YAML::Emitter out;
  emit(out, value);
  return std::string(out.c_str()) + "\n";
}

// ---- Value / Fields -----------------------------------------------------------------

Value::Value(const Document& doc, const json& node, std::string pointer, std::string dotted)
    : doc_(&doc), node_(&node), pointer_(std::move(pointer)), dotted_(std::move(dotted)) {}

void Value::fail(const std::string& message) const {
  throw InputError(place(), message);
}

std::int64_t Value::as_int(std::int64_t lo, std::int64_t hi) const {
  auto range = [&] {
    if (hi == std::numeric_limits<std::int64_t>::max()) return fmt::format(">= {}", lo);
    return fmt::format("in [{}, {}]", lo, hi);
  };
  std::int64_t v = 0;
  if (node_->is_number_integer() &&
      !(node_->is_number_unsigned() && node_->get<std::uint64_t>() > std::uint64_t(INT64_MAX))) {
    v = node_->get<std::int64_t>();
  } else if (node_->is_number()) {
    double d = node_->get<double>();
    if (!(std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.0e18))
      fail(fmt::format("expected an integer {}, got {}", range(), describe(*node_)));
    v = static_cast<std::int64_t>(d);
  } else {
    fail(fmt::format("expected an integer {}, got {}", range(), describe(*node_)));
  }
  if (v < lo || v > hi) fail(fmt::format("expected an integer {}, got {}", range(), v));
  return v;
}

double Value::as_number(double lo, double hi) const {
  if (!node_->is_number())
    fail(fmt::format("expected a number in [{}, {}], got {}", format_number(lo), format_number(hi),
                     describe(*node_)));
  double d = node_->get<double>();
  if (!(std::isfinite(d) && d >= lo && d <= hi))
    fail(fmt::format("expected a number in [{}, {}], got {}", format_number(lo), format_number(hi),
                     describe(*node_)));
  return d;
}

bool Value::as_bool() const {
  if (!node_->is_boolean()) fail("expected true or false, got " + describe(*node_));
  return node_->get<bool>();
}

std::string Value::as_string() const {
  if (!node_->is_string()) fail("expected a string, got " + describe(*node_));
  auto s = node_->get<std::string>();
  if (s.empty()) fail("expected a non-empty string");
  return s;
}

std::string Value::as_choice(const std::vector<std::string>& allowed) const {
  if (!node_->is_string())
    fail(fmt::format("expected one of {}, got {}", join(allowed), describe(*node_)));
  auto s = node_->get<std::string>();
  for (const auto& a : allowed)
    if (a == s) return s;
  fail(fmt::format("unknown value '{}'{}; expected one of {}", s, did_you_mean(s, allowed),
                   join(allowed)));
}

Fields Value::as_object() const {
  if (!node_->is_object()) fail("expected a mapping, got " + describe(*node_));
  return Fields(*this);
}

std::vector<Value> Value::as_list(std::size_t min_size, std::size_t max_size) const {
  if (!node_->is_array()) fail("expected a list, got " + describe(*node_));
  if (node_->size() < min_size || node_->size() > max_size) {
    if (max_size == SIZE_MAX)
      fail(fmt::format("expected a list of at least {} items, got {}", min_size, node_->size()));
    if (min_size == max_size)
      fail(fmt::format("expected a list of {} items, got {}", min_size, node_->size()));
    fail(fmt::format("expected a list of {} to {} items, got {}", min_size, max_size,
                     node_->size()));
  }
  std::vector<Value> out;
  out.reserve(node_->size());
  for (std::size_t i = 0; i < node_->size(); ++i)
    out.emplace_back(*doc_, (*node_)[i], pointer_ + "/" + std::to_string(i),
                     dotted_ + "[" + std::to_string(i) + "]");
  return out;
}

std::vector<std::int64_t> Value::as_int_list(std::int64_t lo, std::int64_t hi, std::size_t min_size,
                                             std::size_t max_size) const {
  std::vector<std::int64_t> out;
  for (const auto& v : as_list(min_size, max_size)) out.push_back(v.as_int(lo, hi));
  return out;
}

Fields::Fields(const Value& object) : self_(object) {
  HWNAS_ASSERT(object.raw().is_object(), "Fields over a non-object");
}

const std::string& Fields::file() const {
  return self_.doc_->file;
}

Value Fields::child(const std::string& key) const {
  return Value(*self_.doc_, self_.node_->at(key), self_.pointer_ + "/" + escape_pointer_token(key),
               join_dotted(self_.dotted_, key));
}

bool Fields::has(const std::string& key) {
  known_.push_back(key);
  return self_.node_->contains(key) && !self_.node_->at(key).is_null();
}

Value Fields::get(const std::string& key) {
  if (!has(key)) {
    Value parent = self_;
    parent.dotted_ = join_dotted(self_.dotted_, key);
    if (self_.node_->contains(key)) parent.fail("a value is required");
    // A misspelt key is the likely cause: name it.
    std::vector<std::string> present;
    for (auto it = self_.node_->begin(); it != self_.node_->end(); ++it)
      present.push_back(it.key());
    auto typo = closest_word(key, present);
    parent.fail(typo ? fmt::format("missing required key (is '{}' a typo of it?)", *typo)
                     : "missing required key");
  }
  return child(key);
}

std::optional<Value> Fields::find(const std::string& key) {
  if (!has(key)) return std::nullopt;
  return child(key);
}

std::int64_t Fields::get_int(const std::string& key, std::int64_t lo, std::int64_t hi) {
  return get(key).as_int(lo, hi);
}
std::int64_t Fields::get_int(const std::string& key, std::int64_t lo, std::int64_t hi,
                             std::int64_t fallback) {
  auto v = find(key);
  return v ? v->as_int(lo, hi) : fallback;
}
double Fields::get_number(const std::string& key, double lo, double hi) {
  return get(key).as_number(lo, hi);
}
double Fields::get_number(const std::string& key, double lo, double hi, double fallback) {
  auto v = find(key);
  return v ? v->as_number(lo, hi) : fallback;
}
bool Fields::get_bool(const std::string& key, bool fallback) {
  auto v = find(key);
  return v ? v->as_bool() : fallback;
}
std::string Fields::get_string(const std::string& key) {
  return get(key).as_string();
}
std::string Fields::get_string(const std::string& key, const std::string& fallback) {
  auto v = find(key);
  return v ? v->as_string() : fallback;
}
std::string Fields::get_choice(const std::string& key, const std::vector<std::string>& allowed) {
  return get(key).as_choice(allowed);
}
std::string Fields::get_choice(const std::string& key, const std::vector<std::string>& allowed,
                               const std::string& fallback) {
  auto v = find(key);
  return v ? v->as_choice(allowed) : fallback;
}

std::vector<std::pair<std::string, Value>> Fields::entries() {
  std::vector<std::pair<std::string, Value>> out;
  for (auto it = self_.node_->begin(); it != self_.node_->end(); ++it) {
    known_.push_back(it.key());
    out.emplace_back(it.key(), child(it.key()));
  }
  return out;
}

void Fields::finish() const {
  for (auto it = self_.node_->begin(); it != self_.node_->end(); ++it) {
    if (std::find(known_.begin(), known_.end(), it.key()) != known_.end()) continue;
    std::vector<std::string> known = known_;
    std::sort(known.begin(), known.end());
    known.erase(std::unique(known.begin(), known.end()), known.end());
    if (known.empty()) child(it.key()).fail("unknown key; this entry takes no keys");
    child(it.key()).fail(fmt::format("unknown key{}; expected one of {}",
                                     did_you_mean(it.key(), known), join(known)));
  }
}

}  // namespace hwnas
