#include "hwnas/common/weights_archive.h"

#include <cstring>
#include <fstream>
#include <map>
#include <variant>

#include <fmt/format.h>

#include "hwnas/common/error.h"
#include "hwnas/common/files.h"

namespace hwnas {

namespace {

// Limits far above any weights file, far below what hurts.
constexpr std::size_t kMaxEntries = 200'000;
constexpr std::size_t kMaxPickleValues = 500'000;
constexpr std::size_t kMaxPickleSteps = 5'000'000;
constexpr std::int64_t kMaxDims = 16;
constexpr std::int64_t kMaxElements = std::int64_t(1) << 40;

std::uint32_t le(const std::string& b, std::size_t at, int n) {
  std::uint32_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | std::uint8_t(b[at + std::size_t(i)]);
  return v;
}

// ---- zip: the central directory, each entry checked against its local header

struct Entry {
  std::size_t begin = 0, size = 0;
  bool stored = true;  ///< not compressed: only such entries are read
};

std::map<std::string, Entry> read_zip(const std::string& b, const std::string& path) {
  auto bad = [&](const std::string& what) -> InputError {
    return InputError(path, "not a weights file (a libtorch archive written by hwnas): " + what);
  };
  if (b.size() < 22) throw bad("too short for a zip archive");
  // The end-of-directory record sits in the last 22 + 65535 bytes.
  std::size_t eocd = std::string::npos;
  const std::size_t lowest = b.size() >= 22 + 65535 ? b.size() - 22 - 65535 : 0;
  for (std::size_t at = b.size() - 22 + 1; at-- > lowest;)
    if (le(b, at, 4) == 0x06054b50u) {
      eocd = at;
      break;
    }
  if (eocd == std::string::npos) throw bad("no zip end-of-directory record");
  const std::size_t count = le(b, eocd + 10, 2), cd_size = le(b, eocd + 12, 4),
                    cd_at = le(b, eocd + 16, 4);
  if (count == 0xffff || cd_size == 0xffffffffu || cd_at == 0xffffffffu)
    throw bad("a zip64 archive (weights over 4 GiB are not supported)");
  if (cd_at > eocd || cd_size > eocd - cd_at) throw bad("the zip directory lies outside the file");
  if (count > kMaxEntries) throw bad(fmt::format("over {} zip entries", kMaxEntries));
  std::map<std::string, Entry> out;
  std::size_t at = cd_at;
  const std::size_t cd_end = cd_at + cd_size;
  for (std::size_t i = 0; i < count; ++i) {
    if (cd_end - at < 46 || le(b, at, 4) != 0x02014b50u)
      throw bad(fmt::format("zip directory entry {} is cut short or damaged", i));
    const std::uint32_t method = le(b, at + 10, 2), csize = le(b, at + 20, 4),
                        usize = le(b, at + 24, 4), nlen = le(b, at + 28, 2),
                        elen = le(b, at + 30, 2), clen = le(b, at + 32, 2),
                        local = le(b, at + 42, 4);
    if (cd_end - at - 46 < std::size_t(nlen) + elen + clen)
      throw bad(fmt::format("zip directory entry {} is cut short", i));
    std::string name = b.substr(at + 46, nlen);
    at += 46 + std::size_t(nlen) + elen + clen;

    if (local > cd_at || cd_at - local < 30 || le(b, local, 4) != 0x04034b50u)
      throw bad(fmt::format("entry '{}' has no local header where the directory says", name));
    const std::size_t data = std::size_t(local) + 30 + le(b, local + 26, 2) + le(b, local + 28, 2);
    if (data > cd_at || cd_at - data < csize)
      throw bad(fmt::format("entry '{}' runs past the data area", name.substr(0, 64)));
    if (!out.emplace(name, Entry{data, csize, method == 0 && csize == usize}).second)
      throw bad(fmt::format("entry '{}' appears twice", name.substr(0, 64)));
  }
  return out;
}

// ---- pickle: a machine that knows only what a weights file's data.pkl holds

// Values live in one arena and refer to each other by index: no recursion
// on destruction, and a container that holds itself is harmless.
using Ref = std::size_t;

struct Global {
  std::string module, name;
  std::string full() const { return module + "." + name; }
};
struct Storage {
  std::string key, dtype;
  int element_size = 0;
  std::int64_t elements = 0;
};
struct Tuple {
  std::vector<Ref> items;
};
struct List {
  std::vector<Ref> items;
};
struct Dict {
  std::vector<std::pair<Ref, Ref>> items;
};
struct Object {  // a __torch__ module; its state is a dict of tensors
  bool built = false;
  Ref state = 0;
};
struct Mark {};
using Value = std::variant<std::monostate, bool, std::int64_t, double, std::string, Global, Storage,
                           Tuple, List, Dict, Object, ArchiveTensor, Mark>;

struct StorageType {
  const char* name;
  const char* dtype;
  int size;
};
constexpr StorageType kStorageTypes[] = {
    {"FloatStorage", "float32", 4},
    {"DoubleStorage", "float64", 8},
    {"HalfStorage", "float16", 2},
    {"BFloat16Storage", "bfloat16", 2},
    {"LongStorage", "int64", 8},
    {"IntStorage", "int32", 4},
    {"ShortStorage", "int16", 2},
    {"CharStorage", "int8", 1},
    {"ByteStorage", "uint8", 1},
    {"BoolStorage", "bool", 1},
    {"ComplexFloatStorage", "complex64", 8},
    {"ComplexDoubleStorage", "complex128", 16},
};

class Unpickler {
 public:
  Unpickler(const std::string& b, std::size_t begin, std::size_t size, std::string where)
      : b_(b), at_(begin), end_(begin + size), where_(std::move(where)) {}

  /// The value STOP leaves; read it with value().
  Ref run() {
    while (true) {
      const std::uint8_t op = byte();
      if (op == '.') break;  // STOP
      step(op);
      if (++steps_ > kMaxPickleSteps || stack_.size() > kMaxPickleValues ||
          pool_.size() > kMaxPickleValues)
        fail(fmt::format("over {} pickle values or {} steps", kMaxPickleValues, kMaxPickleSteps));
    }
    if (stack_.size() != 1) fail("the pickle ends with a malformed stack");
    return stack_.back();
  }
  const Value& value(Ref r) const { return pool_[r]; }

  [[noreturn]] void fail(const std::string& what) const {
    throw InputError(where_, "not a weights file (a libtorch archive written by hwnas): " + what);
  }

 private:
  Ref make(Value v) {
    pool_.push_back(std::move(v));
    return pool_.size() - 1;
  }
  void push(Value v) { stack_.push_back(make(std::move(v))); }
  std::uint8_t byte() {
    if (at_ >= end_) fail("data.pkl ends before its STOP");
    return std::uint8_t(b_[at_++]);
  }
  std::uint64_t uint(int n) {
    if (end_ - at_ < std::size_t(n)) fail("data.pkl ends inside an argument");
    std::uint64_t v = 0;
    for (int i = n - 1; i >= 0; --i) v = (v << 8) | std::uint8_t(b_[at_ + std::size_t(i)]);
    at_ += std::size_t(n);
    return v;
  }
  std::string bytes(std::uint64_t n) {
    if (end_ - at_ < n) fail("data.pkl ends inside a string");
    std::string s = b_.substr(at_, n);
    at_ += n;
    return s;
  }
  std::string line() {
    const std::size_t nl = b_.find('\n', at_);
    if (nl == std::string::npos || nl >= end_ || nl - at_ > 256) fail("a malformed GLOBAL");
    std::string s = b_.substr(at_, nl - at_);
    at_ = nl + 1;
    return s;
  }
  Ref pop() {
    if (stack_.empty()) fail("a pickle op finds the stack empty");
    Ref r = stack_.back();
    stack_.pop_back();
    return r;
  }
  std::vector<Ref> pop_mark() {
    std::size_t m = stack_.size();
    while (m > 0 && !std::holds_alternative<Mark>(pool_[stack_[m - 1]])) --m;
    if (m == 0) fail("a pickle op finds no MARK");
    std::vector<Ref> items(stack_.begin() + std::ptrdiff_t(m), stack_.end());
    stack_.resize(m - 1);
    return items;
  }
  void memo_put(std::uint64_t k) {
    if (stack_.empty()) fail("a memo store with an empty stack");
    if (k > kMaxPickleValues) fail("a memo index out of range");
    memo_[k] = stack_.back();
  }
  void memo_get(std::uint64_t k) {
    auto it = memo_.find(k);
    if (it == memo_.end()) fail(fmt::format("memo entry {} is read before it is written", k));
    stack_.push_back(it->second);
  }
  template <class T>
  T& as(Ref r, const char* what) {
    T* p = std::get_if<T>(&pool_[r]);
    if (!p) fail(fmt::format("expected {} in the pickle", what));
    return *p;
  }
  std::vector<std::int64_t> ints(Ref r, const char* what) {
    std::vector<std::int64_t> out;
    for (Ref x : as<Tuple>(r, what).items) out.push_back(as<std::int64_t>(x, what));
    return out;
  }

  void step(std::uint8_t op) {
    switch (op) {
      case 0x80:
        byte();
        break;  // PROTO
      case 0x95:
        uint(8);
        break;  // FRAME
      case '(':
        push(Mark{});
        break;
      case 'N':
        push(std::monostate{});
        break;
      case 0x88:
        push(true);
        break;
      case 0x89:
        push(false);
        break;
      case 'K':
        push(std::int64_t(uint(1)));
        break;
      case 'M':
        push(std::int64_t(uint(2)));
        break;
      case 'J':
        push(std::int64_t(std::int32_t(uint(4))));
        break;
      case 0x8a: {  // LONG1: little-endian two's complement of n <= 8 bytes
        const int n = byte();
        if (n > 8) fail("an integer wider than 64 bits");
        std::uint64_t v = n ? uint(n) : 0;
        if (n > 0 && n < 8 && (v >> (8 * n - 1)) & 1) v |= ~std::uint64_t(0) << (8 * n);
        push(std::int64_t(v));
        break;
      }
      case 'G': {  // BINFLOAT, big-endian
        std::uint64_t v = 0;
        for (int i = 0; i < 8; ++i) v = (v << 8) | byte();
        double d;
        std::memcpy(&d, &v, 8);
        push(d);
        break;
      }
      case 'X':
        push(bytes(uint(4)));
        break;
      case 0x8c:
        push(bytes(uint(1)));
        break;
      case 0x8d:
        push(bytes(uint(8)));
        break;
      case 'c': {
        Global g;
        g.module = line();
        g.name = line();
        push(g);
        break;
      }
      case 0x93: {  // STACK_GLOBAL
        Global g;
        g.name = as<std::string>(pop(), "a name");
        g.module = as<std::string>(pop(), "a module");
        push(g);
        break;
      }
      case 'q':
        memo_put(uint(1));
        break;
      case 'r':
        memo_put(uint(4));
        break;
      case 0x94:
        memo_put(memo_.size());
        break;
      case 'h':
        memo_get(uint(1));
        break;
      case 'j':
        memo_get(uint(4));
        break;
      case ')':
        push(Tuple{});
        break;
      case 't':
        push(Tuple{pop_mark()});
        break;
      case 0x85:
      case 0x86:
      case 0x87: {
        Tuple t;
        t.items.resize(op - 0x84);
        for (auto it = t.items.rbegin(); it != t.items.rend(); ++it) *it = pop();
        push(t);
        break;
      }
      case ']':
        push(List{});
        break;
      case '}':
        push(Dict{});
        break;
      case 'a':
      case 'e': {
        std::vector<Ref> items = op == 'a' ? std::vector<Ref>{pop()} : pop_mark();
        if (stack_.empty()) fail("APPEND finds no list");
        auto& l = as<List>(stack_.back(), "a list");
        l.items.insert(l.items.end(), items.begin(), items.end());
        break;
      }
      case 's':
      case 'u': {
        std::vector<Ref> items;
        if (op == 's') {
          const Ref v = pop(), k = pop();
          items = {k, v};
        } else {
          items = pop_mark();
        }
        if (items.size() % 2) fail("SETITEMS with an odd number of values");
        if (stack_.empty()) fail("SETITEMS finds no dict");
        auto& d = as<Dict>(stack_.back(), "a dict");
        for (std::size_t i = 0; i < items.size(); i += 2)
          d.items.emplace_back(items[i], items[i + 1]);
        break;
      }
      case 'Q':
        stack_.push_back(persistent(pop()));
        break;
      case 'R': {
        const Ref args = pop(), f = pop();
        stack_.push_back(reduce(f, args));
        break;
      }
      case 0x81: {  // NEWOBJ: only the module class of a TorchScript archive
        const Ref args = pop(), cls = pop();
        const Global& g = as<Global>(cls, "a class");
        if (g.module.rfind("__torch__", 0) != 0 || !as<Tuple>(args, "arguments").items.empty())
          fail(fmt::format("the pickle builds a '{}', which a weights file does not",
                           g.full().substr(0, 64)));
        push(Object{});
        break;
      }
      case 'b': {  // BUILD
        const Ref state = pop();
        if (stack_.empty()) fail("BUILD finds no module");
        Object& o = as<Object>(stack_.back(), "a module to build");
        o.built = true;
        o.state = state;
        break;
      }
      default:
        fail(fmt::format("pickle opcode 0x{:02x}, which a weights file does not use", op));
    }
  }

  Ref persistent(Ref id) {
    const std::vector<Ref> t = as<Tuple>(id, "a storage id").items;
    if (t.size() != 5 || as<std::string>(t[0], "'storage'") != "storage")
      fail("a persistent id that is not a storage");
    const Global type = as<Global>(t[1], "a storage type");
    Storage s;
    for (const auto& st : kStorageTypes)
      if (type.module == "torch" && type.name == st.name)
        s.dtype = st.dtype, s.element_size = st.size;
    if (s.element_size == 0)
      fail(fmt::format("storage type '{}' is not a dense tensor type", type.full().substr(0, 64)));
    s.key = as<std::string>(t[2], "a storage key");
    as<std::string>(t[3], "a device");
    s.elements = as<std::int64_t>(t[4], "a storage size");
    if (s.elements < 0 || s.elements > kMaxElements) fail("a storage size out of range");
    return make(s);
  }

  Ref reduce(Ref callable, Ref arguments) {
    const std::string fn = as<Global>(callable, "a callable").full();
    const std::vector<Ref> args = as<Tuple>(arguments, "arguments").items;
    if (fn == "collections.OrderedDict" && args.empty()) return make(Dict{});
    if (fn == "torch._utils._rebuild_tensor_v2" && args.size() >= 6 && args.size() <= 7) {
      const Storage s = as<Storage>(args[0], "a storage");
      ArchiveTensor t;
      t.dtype = s.dtype;
      t.element_size = s.element_size;
      t.storage_elements = s.elements;
      t.offset = as<std::int64_t>(args[1], "a storage offset");
      t.sizes = ints(args[2], "a size");
      t.strides = ints(args[3], "a stride");
      t.name = s.key;  // the storage key until the dict names the tensor
      return make(t);
    }
    if (fn == "torch._utils._rebuild_parameter" && args.size() == 3) {
      as<ArchiveTensor>(args[0], "a tensor");
      return args[0];
    }
    fail(fmt::format("the pickle calls '{}', which a weights file does not", fn.substr(0, 64)));
  }

  const std::string& b_;
  std::size_t at_, end_;
  std::string where_;
  std::vector<Value> pool_;
  std::vector<Ref> stack_;
  std::map<std::uint64_t, Ref> memo_;
  std::size_t steps_ = 0;
};

// A tensor's elements must lie inside its storage, whose bytes the zip holds.
void check_tensor(const ArchiveTensor& t, const std::string& path) {
  auto bad = [&](const std::string& what) {
    return InputError(path, fmt::format("tensor '{}': {}", t.name.substr(0, 128), what));
  };
  if (std::int64_t(t.sizes.size()) > kMaxDims || t.sizes.size() != t.strides.size())
    throw bad("sizes and strides do not match");
  std::int64_t extent = t.offset, elements = 1;
  if (t.offset < 0) throw bad("a negative storage offset");
  for (std::size_t d = 0; d < t.sizes.size(); ++d) {
    if (t.sizes[d] < 0 || t.sizes[d] > kMaxElements || t.strides[d] < 0 ||
        t.strides[d] > kMaxElements)
      throw bad("a size or stride out of range");
    if (__builtin_mul_overflow(elements, t.sizes[d], &elements) || elements > kMaxElements)
      throw bad("too many elements");
  }
  if (elements > 0)
    for (std::size_t d = 0; d < t.sizes.size(); ++d) {
      std::int64_t span = 0;
      if (__builtin_mul_overflow(t.sizes[d] - 1, t.strides[d], &span) ||
          __builtin_add_overflow(extent, span, &extent))
        throw bad("strides reach out of range");
    }
  if (elements > 0 && extent >= t.storage_elements)
    throw bad(
        fmt::format("its shape reaches element {} of a storage of {}", extent, t.storage_elements));
}

}  // namespace

WeightsArchive parse_weights_archive(std::string bytes, const std::string& path) {
  WeightsArchive a;
  a.bytes = std::move(bytes);
  const auto zip = read_zip(a.bytes, path);
  std::string prefix;
  for (const auto& [name, e] : zip) {
    const auto slash = name.find('/');
    if (slash != std::string::npos && name.compare(slash, std::string::npos, "/data.pkl") == 0)
      prefix = name.substr(0, slash);
  }
  const auto pkl = zip.find(prefix + "/data.pkl");
  if (pkl == zip.end())
    throw InputError(path, "not a weights file (a libtorch archive written by hwnas): no data.pkl");
  // libtorch stores the entries read here as they are (only code it
  // compresses, which is never read).
  auto require_stored = [&](const std::string& name, const Entry& e) {
    if (!e.stored)
      throw InputError(path, fmt::format("not a weights file (a libtorch archive written by "
                                         "hwnas): entry '{}' is compressed",
                                         name.substr(0, 64)));
  };
  require_stored(pkl->first, pkl->second);
  Unpickler u(a.bytes, pkl->second.begin, pkl->second.size, path);
  const Ref root = u.run();
  const Dict* dict = nullptr;
  if (const auto* obj = std::get_if<Object>(&u.value(root))) {
    if (obj->built) dict = std::get_if<Dict>(&u.value(obj->state));
  } else {
    dict = std::get_if<Dict>(&u.value(root));
  }
  if (!dict) u.fail("data.pkl holds no dict of tensors");
  for (const auto& [k, v] : dict->items) {
    const auto* name = std::get_if<std::string>(&u.value(k));
    const auto* tensor = std::get_if<ArchiveTensor>(&u.value(v));
    if (!name || !tensor) u.fail("data.pkl maps something other than names to tensors");
    ArchiveTensor t = *tensor;
    const auto storage = zip.find(prefix + "/data/" + t.name);
    if (storage == zip.end())
      throw InputError(path, fmt::format("tensor '{}': its storage '{}' is not in the archive",
                                         name->substr(0, 128), t.name.substr(0, 64)));
    require_stored(storage->first, storage->second);
    const std::uint64_t want = std::uint64_t(t.storage_elements) * std::uint64_t(t.element_size);
    if (storage->second.size != want)
      throw InputError(path, fmt::format("tensor '{}': its storage holds {} bytes, but {} {} "
                                         "elements need {}",
                                         name->substr(0, 128), storage->second.size,
                                         t.storage_elements, t.dtype, want));
    t.name = *name;
    t.data_begin = storage->second.begin;
    check_tensor(t, path);
    a.tensors.push_back(std::move(t));
  }
  return a;
}

WeightsArchive read_weights_archive(const std::string& path) {
  require_regular_file(path);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path, "cannot open");
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  if (size < 0) throw InputError(path, "cannot read");
  if (std::uint64_t(size) > kMaxWeightsBytes)
    throw InputError(path, fmt::format("{} bytes; weights files of at most {} are read", size,
                                       kMaxWeightsBytes));
  in.seekg(0);
  std::string bytes(std::size_t(size), '\0');
  if (!in.read(bytes.data(), size)) throw InputError(path, "read error");
  return parse_weights_archive(std::move(bytes), path);
}

}  // namespace hwnas
