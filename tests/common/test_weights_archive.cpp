// The weights archive reader on archives built here byte by byte: a zip of
// stored entries and a data.pkl like libtorch's, then broken versions.
#include <catch2/catch.hpp>

#include "../support.h"
#include "hwnas/common/error.h"
#include "hwnas/common/weights_archive.h"

using namespace hwnas;
using test::error_of;

namespace {

void le(std::string& b, std::uint32_t v, int n) {
  for (int i = 0; i < n; ++i) b += char((v >> (8 * i)) & 0xff);
}

// A zip of stored entries (CRCs left zero: the reader does not need them).
std::string zip(const std::vector<std::pair<std::string, std::string>>& entries,
                std::uint16_t method = 0) {
  std::string out, dir;
  for (const auto& [name, data] : entries) {
    const std::uint32_t at = std::uint32_t(out.size());
    le(out, 0x04034b50, 4), le(out, 20, 2), le(out, 0, 2), le(out, method, 2), le(out, 0, 4);
    le(out, 0, 4), le(out, std::uint32_t(data.size()), 4), le(out, std::uint32_t(data.size()), 4);
    le(out, std::uint32_t(name.size()), 2), le(out, 0, 2);
    out += name + data;
    le(dir, 0x02014b50, 4), le(dir, 20, 2), le(dir, 20, 2), le(dir, 0, 2), le(dir, method, 2);
    le(dir, 0, 4), le(dir, 0, 4), le(dir, std::uint32_t(data.size()), 4);
    le(dir, std::uint32_t(data.size()), 4), le(dir, std::uint32_t(name.size()), 2);
    le(dir, 0, 2), le(dir, 0, 2), le(dir, 0, 2), le(dir, 0, 2), le(dir, 0, 4), le(dir, at, 4);
    dir += name;
  }
  const std::uint32_t cd = std::uint32_t(out.size());
  out += dir;
  le(out, 0x06054b50, 4), le(out, 0, 2), le(out, 0, 2), le(out, std::uint32_t(entries.size()), 2);
  le(out, std::uint32_t(entries.size()), 2), le(out, std::uint32_t(dir.size()), 4), le(out, cd, 4);
  le(out, 0, 2);
  return out;
}

std::string unicode(const std::string& s) {
  std::string b = "X";
  le(b, std::uint32_t(s.size()), 4);
  return b + s;
}

// data.pkl of a module with one tensor "w" of `sizes` (strides for C order)
// over storage "0" of `elements` values of `storage_type`.
std::string pickle(const std::string& storage_type, int elements, std::vector<int> sizes,
                   const std::string& rebuild = "torch._utils\n_rebuild_tensor_v2\n") {
  std::string p = "\x80\x02";
  p += "c__torch__\nModule\n)\x81}(";
  p += unicode("w") + "c" + rebuild + "((" + unicode("storage") + "ctorch\n" + storage_type + "\n" +
       unicode("0") + unicode("cpu") + "K" + char(elements) + "tQK";
  p += '\0';  // storage offset 0
  p += "(";
  for (int s : sizes) p += std::string("K") + char(s);
  p += "t(";
  int stride = 1;
  std::string strides;
  for (auto it = sizes.rbegin(); it != sizes.rend(); ++it) {
    strides = std::string("K") + char(stride) + strides;
    stride *= *it;
  }
  p += strides + "t\x89" + "ccollections\nOrderedDict\n)RtR" + "ub.";
  return p;
}

std::string archive(const std::string& pkl, const std::string& storage) {
  return zip({{"archive/data.pkl", pkl}, {"archive/data/0", storage}, {"archive/version", "3\n"}});
}

}  // namespace

TEST_CASE("weights archives are read without libtorch, every structure checked",
          "[common][weights][hostile]") {
  const std::string four_floats(16, '\0');
  const WeightsArchive a =
      parse_weights_archive(archive(pickle("FloatStorage", 4, {2, 2}), four_floats), "w.weights");
  REQUIRE(a.tensors.size() == 1);
  CHECK(a.tensors[0].name == "w");
  CHECK(a.tensors[0].dtype == "float32");
  CHECK(a.tensors[0].sizes == std::vector<std::int64_t>{2, 2});
  CHECK(a.tensors[0].strides == std::vector<std::int64_t>{2, 1});
  CHECK(a.tensors[0].storage_elements == 4);

  auto err = [&](const std::string& bytes) {
    return error_of([&] { parse_weights_archive(bytes, "w.weights"); });
  };
  // A shape that reaches past its storage was read past the end by libtorch.
  CHECK_THAT(
      err(archive(pickle("FloatStorage", 3, {2, 2}), std::string(12, '\0'))),
      Catch::Contains("w.weights: tensor 'w': its shape reaches element 3 of a storage of 3"));
  // The storage's bytes must be what its size and dtype say.
  CHECK_THAT(err(archive(pickle("FloatStorage", 4, {2, 2}), std::string(10, '\0'))),
             Catch::Contains("its storage holds 10 bytes, but 4 float32 elements need 16"));
  // Types and calls a weights file never has are refused by name.
  CHECK_THAT(err(archive(pickle("QUInt8Storage", 4, {2, 2}), four_floats)),
             Catch::Contains("storage type 'torch.QUInt8Storage' is not a dense tensor type"));
  CHECK_THAT(err(archive(pickle("FloatStorage", 4, {2, 2}, "os\nsystem\n"), four_floats)),
             Catch::Contains("the pickle calls 'os.system', which a weights file does not"));
  CHECK_THAT(
      err(archive(pickle("FloatStorage", 4, {2, 2}, "torch._utils\n_rebuild_sparse_tensor\n"),
                  four_floats)),
      Catch::Contains("_rebuild_sparse_tensor"));
  std::string bad_op = pickle("FloatStorage", 4, {2, 2});
  bad_op.insert(2, "i");  // INST: never in a weights file
  CHECK_THAT(err(archive(bad_op, four_floats)), Catch::Contains("pickle opcode 0x69"));
  std::string cut = pickle("FloatStorage", 4, {2, 2});
  cut.pop_back();
  CHECK_THAT(err(archive(cut, four_floats)), Catch::Contains("data.pkl ends before its STOP"));
  // Zip structure: compressed entries, truncation, no directory.
  CHECK_THAT(err(zip({{"archive/data.pkl", "x"}}, 8)), Catch::Contains("is compressed"));
  const std::string good = archive(pickle("FloatStorage", 4, {2, 2}), four_floats);
  CHECK_THAT(err(good.substr(0, good.size() - 30)), Catch::Contains("not a weights file"));
  CHECK_THAT(err(good.substr(0, 40)), Catch::Contains("no zip end-of-directory record"));
  CHECK_THAT(err(zip({{"archive/version", "3\n"}})), Catch::Contains("no data.pkl"));
  CHECK_THAT(err(""), Catch::Contains("too short for a zip archive"));
  // A memo read before it is written, a stack underflow.
  CHECK_THAT(err(archive("\x80\x02h\x05.", "")), Catch::Contains("memo entry 5"));
  CHECK_THAT(err(archive("\x80\x02t.", "")), Catch::Contains("no MARK"));
  CHECK_THAT(err(archive("\x80\x02R.", "")), Catch::Contains("stack empty"));
}
