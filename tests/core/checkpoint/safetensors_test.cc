// Tests of the safetensors header parser, reader and writer, against files
// built byte by byte here.
#include <ATen/ATen.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>
#include <system_error>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/checkpoint/safetensors_header.h"
#include "core/checkpoint/safetensors_reader.h"
#include "core/checkpoint/safetensors_writer.h"
#include "tests/testing/scratch_dir_test.h"

namespace itaclip::checkpoint {
namespace {

using ::testing::HasSubstr;

using ScratchTest = testing::ScratchDirTest;
class SafetensorsReaderTest : public ScratchTest {};
class SafetensorsWriterTest : public ScratchTest {};
class SafetensorsHeaderTest : public ScratchTest {};

void WriteBytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out.good()) << path;
}

std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string LittleEndian64(uint64_t value) {
  std::string bytes(8, '\0');
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>((value >> (8 * i)) & 0xff);
  return bytes;
}

// A safetensors file: length prefix, the header text as given, then `data`.
std::string Safetensors(const std::string& header, const std::string& data) {
  return LittleEndian64(header.size()) + header + data;
}

template <typename T>
std::string Bytes(const std::vector<T>& values) {
  std::string bytes(values.size() * sizeof(T), '\0');
  std::memcpy(bytes.data(), values.data(), bytes.size());
  return bytes;
}

std::string ErrorOf(const std::string& path) {
  const absl::StatusOr<StateDict> dict = ReadSafetensors(path);
  EXPECT_FALSE(dict.ok());
  if (dict.ok()) return "";
  EXPECT_EQ(dict.status().code(), absl::StatusCode::kInvalidArgument) << dict.status();
  return std::string(dict.status().message());
}

TEST_F(SafetensorsReaderTest, ReadsEveryDtypeFromAHandBuiltFile) {
  // Half 1.0 = 0x3C00, -2.0 = 0xC000, 0.5 = 0x3800; bfloat16 1.0 = 0x3F80, -3.0
  // = 0xC040.
  const std::string data =
      Bytes<float>({1.5f, -2.0f, 3.25f, 0.0f}) + Bytes<uint16_t>({0x3C00, 0xC000, 0x3800}) +
      Bytes<uint16_t>({0x3F80, 0xC040}) + Bytes<double>({0.125}) + Bytes<int64_t>({0, 1, 2});
  const std::string header =
      R"({"__metadata__":{"format":"pt"},)"
      R"("a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},)"
      R"("h":{"dtype":"F16","shape":[3],"data_offsets":[16,22]},)"
      R"("b":{"dtype":"BF16","shape":[2,1],"data_offsets":[22,26]},)"
      R"("d":{"dtype":"F64","shape":[],"data_offsets":[26,34]},)"
      R"("position_ids":{"dtype":"I64","shape":[1,3],"data_offsets":[34,58]}})";
  const std::string path = ScratchPath("hand.safetensors");
  WriteBytes(path, Safetensors(header, data));

  const absl::StatusOr<StateDict> dict = ReadSafetensors(path);
  ASSERT_TRUE(dict.ok()) << dict.status();
  EXPECT_EQ(dict->size(), 5u);  // "__metadata__" is not a tensor
  const at::Tensor& a = dict->at("a");
  EXPECT_EQ(a.scalar_type(), at::kFloat);
  EXPECT_EQ(a.sizes().vec(), (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(a[0][0].item<float>(), 1.5f);
  EXPECT_EQ(a[0][1].item<float>(), -2.0f);
  EXPECT_EQ(a[1][0].item<float>(), 3.25f);
  const at::Tensor& h = dict->at("h");
  EXPECT_EQ(h.scalar_type(), at::kHalf);
  EXPECT_TRUE(at::equal(h.to(at::kFloat), at::tensor({1.0f, -2.0f, 0.5f})));
  const at::Tensor& b = dict->at("b");
  EXPECT_EQ(b.scalar_type(), at::kBFloat16);
  EXPECT_TRUE(at::equal(b.to(at::kFloat), at::tensor({1.0f, -3.0f}).reshape({2, 1})));
  const at::Tensor& d = dict->at("d");
  EXPECT_EQ(d.scalar_type(), at::kDouble);
  EXPECT_EQ(d.dim(), 0);
  EXPECT_EQ(d.item<double>(), 0.125);
  EXPECT_TRUE(at::equal(dict->at("position_ids"), at::arange(3).reshape({1, 3})));
  for (const auto& [name, tensor] : *dict) {
    EXPECT_TRUE(tensor.is_contiguous()) << name;
    EXPECT_TRUE(tensor.device().is_cpu()) << name;
  }
}

TEST_F(SafetensorsReaderTest, MissingFileIsNotFound) {
  const absl::StatusOr<StateDict> dict = ReadSafetensors(ScratchPath("absent.safetensors"));
  ASSERT_FALSE(dict.ok());
  EXPECT_EQ(dict.status().code(), absl::StatusCode::kNotFound);
}

TEST_F(SafetensorsReaderTest, HeaderLengthPastTheEndIsTruncation) {
  const std::string path = ScratchPath("past.safetensors");
  WriteBytes(path, LittleEndian64(1000) + R"({"a":1})");  // 15 bytes, header says 8 + 1000
  EXPECT_THAT(ErrorOf(path), HasSubstr("truncated: header says 1008 bytes, file has 15"));
  EXPECT_THAT(ErrorOf(path), HasSubstr(path));
}

TEST_F(SafetensorsReaderTest, TruncatedDataSectionIsReported) {
  const std::string data = Bytes<float>({1, 2, 3, 4});
  const std::string file =
      Safetensors(R"({"x":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", data);
  const std::string path = ScratchPath("cut.safetensors");
  WriteBytes(path, file.substr(0, file.size() - 5));
  EXPECT_THAT(ErrorOf(path), HasSubstr(absl::StrCat("truncated: header says ", file.size(),
                                                    " bytes, file has ", file.size() - 5)));
}

TEST_F(SafetensorsReaderTest, ImplausibleHeaderLength) {
  const std::string path = ScratchPath("huge.safetensors");
  WriteBytes(path, LittleEndian64(uint64_t{1} << 40) + "{}");
  EXPECT_THAT(ErrorOf(path), HasSubstr("exceeds the limit"));
}

TEST_F(SafetensorsReaderTest, ShorterThanTheLengthPrefix) {
  const std::string path = ScratchPath("short.safetensors");
  WriteBytes(path, "abc");
  EXPECT_THAT(ErrorOf(path), HasSubstr("file has 3 bytes, fewer than the 8-byte header length"));
}

TEST_F(SafetensorsReaderTest, BadJson) {
  const std::string path = ScratchPath("json.safetensors");
  WriteBytes(path, Safetensors(R"({"a":{"dtype":"F32",)", ""));
  EXPECT_THAT(ErrorOf(path), HasSubstr("header is not valid JSON"));
  WriteBytes(path, Safetensors("[1, 2]", ""));
  EXPECT_THAT(ErrorOf(path), HasSubstr("header is not a JSON object"));
}

TEST_F(SafetensorsReaderTest, OffsetsOutOfRange) {
  const std::string path = ScratchPath("range.safetensors");
  // The data section has 16 bytes, the tensor claims bytes [16, 32).
  WriteBytes(path, Safetensors(R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[16,32]}})",
                               Bytes<float>({1, 2, 3, 4})));
  EXPECT_THAT(ErrorOf(path), HasSubstr("tensor 'w' data_offsets [16, 32] run past the 16-byte "
                                       "data section"));
}

TEST_F(SafetensorsReaderTest, OffsetsInconsistentWithShape) {
  const std::string path = ScratchPath("size.safetensors");
  WriteBytes(path, Safetensors(R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[0,8]}})",
                               Bytes<float>({1, 2, 3, 4})));
  EXPECT_THAT(ErrorOf(path), HasSubstr("tensor 'w': data_offsets [0, 8] hold 8 "
                                       "bytes, but F32 [4] needs 16"));
  WriteBytes(path, Safetensors(R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[8,0]}})",
                               Bytes<float>({1, 2, 3, 4})));
  EXPECT_THAT(ErrorOf(path), HasSubstr("tensor 'w': data_offsets are not integers"));
  WriteBytes(path, Safetensors(R"({"w":{"dtype":"F32","shape":[-4],"data_offsets":[0,16]}})",
                               Bytes<float>({1, 2, 3, 4})));
  EXPECT_THAT(ErrorOf(path), HasSubstr("tensor 'w': shape has a dimension"));
  WriteBytes(path, Safetensors(R"({"w":{"shape":[4],"data_offsets":[0,16]}})",
                               Bytes<float>({1, 2, 3, 4})));
  EXPECT_THAT(ErrorOf(path), HasSubstr("tensor 'w': missing or non-string \"dtype\""));
  // 2^62 * 2^62 elements would overflow a 64-bit byte count.
  WriteBytes(path, Safetensors(R"({"w":{"dtype":"F32","shape":[4611686018427387904,)"
                               R"(4611686018427387904],"data_offsets":[0,16]}})",
                               Bytes<float>({1, 2, 3, 4})));
  EXPECT_THAT(ErrorOf(path), HasSubstr("tensor 'w': shape is too large"));
}

TEST_F(SafetensorsReaderTest, OverlappingTensors) {
  const std::string path = ScratchPath("overlap.safetensors");
  WriteBytes(path, Safetensors(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                               R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                               Bytes<float>({1, 2, 3})));
  EXPECT_THAT(ErrorOf(path), HasSubstr("tensors 'a' and 'b' overlap"));
}

TEST_F(SafetensorsReaderTest, UnsupportedDtypeNamesTensorAndDtype) {
  const std::string path = ScratchPath("dtype.safetensors");
  WriteBytes(path, Safetensors(R"({"mask":{"dtype":"I8","shape":[4],"data_offsets":[0,4]}})",
                               std::string(4, '\1')));
  EXPECT_THAT(ErrorOf(path), HasSubstr("tensor 'mask' has unsupported dtype I8"));
}

TEST_F(SafetensorsWriterTest, RoundTripsF16Bf16F32BitExactly) {
  StateDict dict;
  dict["f32"] = at::randn({3, 5});
  dict["f16"] = at::randn({7}).to(at::kHalf);
  dict["bf16"] = at::randn({2, 2, 2}).to(at::kBFloat16);
  dict["scalar"] = at::full({}, 2.65926f);
  dict["empty"] = at::zeros({0, 4});
  dict["transposed"] = at::arange(6, at::kFloat).reshape({2, 3}).t();  // not contiguous
  const std::string path = ScratchPath("round.safetensors");
  ASSERT_TRUE(WriteSafetensors(dict, path).ok());

  const absl::StatusOr<StateDict> read = ReadSafetensors(path);
  ASSERT_TRUE(read.ok()) << read.status();
  ASSERT_EQ(read->size(), dict.size());
  for (const auto& [name, tensor] : dict) {
    const at::Tensor& back = read->at(name);
    EXPECT_EQ(back.scalar_type(), tensor.scalar_type()) << name;
    EXPECT_EQ(back.sizes(), tensor.sizes()) << name;
    EXPECT_TRUE(at::equal(back, tensor)) << name;
  }
}

TEST_F(SafetensorsWriterTest, LayoutFollowsTheReferenceImplementation) {
  StateDict dict;
  dict["b"] = at::tensor({1.0f, 2.0f, 3.0f});
  dict["a"] = at::tensor({-1.0f});
  dict["c"] = at::tensor({0.5f, 0.25f}).to(at::kHalf);
  const std::string path = ScratchPath("layout.safetensors");
  ASSERT_TRUE(WriteSafetensors(dict, path).ok());
  const std::string file = ReadBytes(path);
  ASSERT_GE(file.size(), 8u);

  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<unsigned char>(file[i]);
  EXPECT_EQ(n % 8, 0u) << "the data section must start 8-byte aligned";
  ASSERT_LE(8 + n, file.size());
  const std::string header = file.substr(8, n);
  const size_t json_end = header.find_last_not_of(' ') + 1;
  EXPECT_LT(n - json_end, 8u) << "at most 7 padding spaces";
  const nlohmann::json json = nlohmann::json::parse(header);
  EXPECT_EQ(json.at("__metadata__").at("format"), "pt");
  // Keys sorted, data back to back in the same order: a (4 bytes), b (12), c
  // (4).
  EXPECT_LT(header.find("\"a\""), header.find("\"b\""));
  EXPECT_LT(header.find("\"b\""), header.find("\"c\""));
  EXPECT_EQ(json.at("a").at("data_offsets"), nlohmann::json::array({0, 4}));
  EXPECT_EQ(json.at("b").at("data_offsets"), nlohmann::json::array({4, 16}));
  EXPECT_EQ(json.at("c").at("data_offsets"), nlohmann::json::array({16, 20}));
  EXPECT_EQ(json.at("b").at("dtype"), "F32");
  EXPECT_EQ(json.at("c").at("dtype"), "F16");
  EXPECT_EQ(json.at("b").at("shape"), nlohmann::json::array({3}));
  EXPECT_EQ(file.size(), 8 + n + 20);
  EXPECT_EQ(file.substr(8 + n),
            Bytes<float>({-1.0f, 1.0f, 2.0f, 3.0f}) + Bytes<uint16_t>({0x3800, 0x3400}));
}

TEST_F(SafetensorsWriterTest, RejectsOtherDtypesNamingTheTensor) {
  const std::string path = ScratchPath("bad.safetensors");
  StateDict dict;
  dict["ids"] = at::arange(3);
  absl::Status status = WriteSafetensors(dict, path);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("tensor 'ids' has dtype Long"));
  dict.clear();
  dict["d"] = at::zeros({2}, at::kDouble);
  status = WriteSafetensors(dict, path);
  EXPECT_THAT(std::string(status.message()), HasSubstr("tensor 'd' has dtype Double"));
  dict.clear();
  dict["__metadata__"] = at::zeros({2});
  EXPECT_EQ(WriteSafetensors(dict, path).code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(SafetensorsHeaderTest, ReportsEntriesWithoutReadingData) {
  const std::string path = ScratchPath("header.safetensors");
  StateDict dict;
  dict["x"] = at::zeros({2, 3}, at::kHalf);
  ASSERT_TRUE(WriteSafetensors(dict, path).ok());
  const absl::StatusOr<SafetensorsHeader> header = ReadSafetensorsHeader(path);
  ASSERT_TRUE(header.ok()) << header.status();
  ASSERT_EQ(header->tensors.size(), 1u);
  EXPECT_EQ(header->tensors[0].name, "x");
  EXPECT_EQ(header->tensors[0].dtype_name, "F16");
  EXPECT_EQ(header->tensors[0].dtype, at::kHalf);
  EXPECT_EQ(header->tensors[0].shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(header->tensors[0].begin, 0u);
  EXPECT_EQ(header->tensors[0].end, 12u);
  EXPECT_EQ(header->file_size, 8 + header->header_length + 12);
}

}  // namespace
}  // namespace itaclip::checkpoint
