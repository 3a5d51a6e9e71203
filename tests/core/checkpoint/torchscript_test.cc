// Tests of the TorchScript archive writer and reader.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/csrc/jit/serialization/pickle.h>
#include <torch/script.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "core/checkpoint/random_state_dict.h"
#include "core/checkpoint/torchscript_reader.h"
#include "core/checkpoint/torchscript_writer.h"
#include "tests/testing/file_bytes.h"
#include "tests/testing/scratch_dir_test.h"

namespace itaclip::checkpoint {
namespace {

using ::testing::HasSubstr;

using ScratchTest = testing::ScratchDirTest;
class TorchScriptWriterTest : public ScratchTest {};
class TorchScriptReaderTest : public ScratchTest {};

ClipConfig SmallConfig() {
  ClipConfig config;
  config.vision_width = 64;
  config.vision_layers = 2;
  config.vision_heads = 1;
  config.patch_size = 4;
  config.grid_size = 3;
  config.image_resolution = 12;
  config.embed_dim = 16;
  config.text_width = 64;
  config.text_layers = 2;
  config.text_heads = 1;
  config.context_length = 8;
  config.vocab_size = 50;
  return config;
}

StateDict SmallDict(at::ScalarType dtype) {
  StateDict dict = MakeRandomClipStateDict(SmallConfig(), 9);
  for (auto& [key, tensor] : dict) tensor = tensor.to(dtype);
  return dict;
}

TEST_F(TorchScriptWriterTest, ModuleTreeMirrorsTheOpenAiLayout) {
  const StateDict dict = SmallDict(at::kHalf);
  const std::string path = ScratchPath("small.pt");
  ASSERT_TRUE(WriteTorchScriptArchive(dict, path).ok());

  // Load with plain LibTorch, independently of ReadTorchScriptArchive.
  torch::jit::Module module = torch::jit::load(path);
  std::set<std::string> names;
  for (const auto& parameter : module.named_parameters(/*recurse=*/true)) {
    names.insert(parameter.name);
  }
  std::set<std::string> keys;
  for (const auto& [key, tensor] : dict) keys.insert(key);
  EXPECT_EQ(names, keys);

  const torch::jit::Module visual = module.attr("visual").toModule();
  const at::Tensor conv1 = visual.attr("conv1").toModule().attr("weight").toTensor();
  EXPECT_TRUE(at::equal(conv1, dict.at("visual.conv1.weight")));
  const at::Tensor in_proj = visual.attr("transformer")
                                 .toModule()
                                 .attr("resblocks")
                                 .toModule()
                                 .attr("1")
                                 .toModule()
                                 .attr("attn")
                                 .toModule()
                                 .attr("in_proj_weight")
                                 .toTensor();
  EXPECT_EQ(in_proj.scalar_type(), at::kHalf);
  EXPECT_TRUE(at::equal(in_proj, dict.at("visual.transformer.resblocks.1.attn.in_proj_weight")));
  EXPECT_TRUE(at::equal(module.attr("logit_scale").toTensor(), dict.at("logit_scale")));
  EXPECT_TRUE(at::equal(module.attr("text_projection").toTensor(), dict.at("text_projection")));
}

TEST_F(TorchScriptReaderTest, RoundTripsFp16AndFp32BitExactly) {
  for (at::ScalarType dtype : {at::kHalf, at::kFloat}) {
    const StateDict dict = SmallDict(dtype);
    const std::string path = ScratchPath("round.pt");
    ASSERT_TRUE(WriteTorchScriptArchive(dict, path).ok());
    const absl::StatusOr<StateDict> read = ReadTorchScriptArchive(path);
    ASSERT_TRUE(read.ok()) << read.status();
    ASSERT_EQ(read->size(), dict.size());
    for (const auto& [key, tensor] : dict) {
      ASSERT_EQ(read->count(key), 1u) << key;
      const at::Tensor& back = read->at(key);
      EXPECT_EQ(back.scalar_type(), dtype) << key;
      EXPECT_FALSE(back.requires_grad()) << key;
      EXPECT_TRUE(at::equal(back, tensor)) << key;
    }
  }
}

TEST_F(TorchScriptReaderTest, MissingFileIsNotFound) {
  const absl::StatusOr<StateDict> read = ReadTorchScriptArchive(ScratchPath("absent.pt"));
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().code(), absl::StatusCode::kNotFound);
}

TEST_F(TorchScriptReaderTest, PlainTorchSaveZipIsRefusedWithTheReason) {
  // torch::jit::pickle_save writes what Python's torch.save writes: a zip
  // without TorchScript code.
  c10::Dict<std::string, at::Tensor> state;
  state.insert("visual.conv1.weight", at::zeros({2, 3}));
  const std::vector<char> bytes = torch::jit::pickle_save(c10::IValue(state));
  ASSERT_GE(bytes.size(), 4u);
  ASSERT_EQ(std::string(bytes.data(), 4), std::string("PK\x03\x04", 4));
  const std::string path = ScratchPath("state_dict.pt");
  std::ofstream(path, std::ios::binary)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));

  const absl::StatusOr<StateDict> read = ReadTorchScriptArchive(path);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(read.status().message()),
              HasSubstr(absl::StrCat("TorchScript archive ", path,
                                     ": not a loadable TorchScript archive")));
}

TEST_F(TorchScriptReaderTest, CorruptZipIsRefused) {
  const std::string path = ScratchPath("corrupt.pt");
  std::ofstream(path, std::ios::binary) << std::string("PK\x03\x04", 4) << std::string(300, 'x');
  const absl::StatusOr<StateDict> read = ReadTorchScriptArchive(path);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().code(), absl::StatusCode::kInvalidArgument);
  // The zip check (CheckZipArchive) refuses it before LibTorch's reader sees it.
  EXPECT_THAT(std::string(read.status().message()),
              HasSubstr(absl::StrCat("zip archive ", path, ": not a readable zip file")));
}

TEST_F(TorchScriptReaderTest, ChangedTensorBytesAreRefusedByTheirChecksum) {
  // LibTorch's own reader would load the changed value silently.
  const std::string path = ScratchPath("changed.pt");
  ASSERT_TRUE(WriteTorchScriptArchive(SmallDict(at::kFloat), path).ok());
  std::string bytes = testing::ReadFileBytes(path);
  // The first tensor record: its name follows the 30-byte local header, whose bytes 26-29 hold
  // the name's and the extra field's lengths (little-endian); its data follows both.
  const size_t name = bytes.find("/data/0");
  ASSERT_NE(name, std::string::npos);
  const size_t header = bytes.rfind(std::string("PK\x03\x04", 4), name);
  ASSERT_NE(header, std::string::npos);
  auto u16 = [&](size_t at) {
    return static_cast<size_t>(static_cast<unsigned char>(bytes[at])) |
           static_cast<size_t>(static_cast<unsigned char>(bytes[at + 1])) << 8;
  };
  const size_t data = header + 30 + u16(header + 26) + u16(header + 28);
  bytes[data + 1] = static_cast<char>(bytes[data + 1] ^ 0x40);
  testing::WriteFileBytes(path, bytes);
  const absl::StatusOr<StateDict> read = ReadTorchScriptArchive(path);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(read.status().message()), HasSubstr("does not match its CRC-32"));
}

TEST_F(TorchScriptWriterTest, RejectsKeysThatCannotFormAModuleTree) {
  const std::string path = ScratchPath("bad.pt");
  StateDict dict;
  dict["a"] = at::zeros({1});
  dict["a.b"] = at::zeros({1});  // "a" cannot be both a parameter and a module
  EXPECT_EQ(WriteTorchScriptArchive(dict, path).code(), absl::StatusCode::kInvalidArgument);
  dict.clear();
  dict["a..b"] = at::zeros({1});
  EXPECT_EQ(WriteTorchScriptArchive(dict, path).code(), absl::StatusCode::kInvalidArgument);
  dict.clear();
  dict["a"] = at::Tensor();
  EXPECT_EQ(WriteTorchScriptArchive(dict, path).code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace itaclip::checkpoint
