// The three checkpoint formats at ViT-B/16's real shape, as the independent Python writer
// (tests/reference/write_clip_checkpoints.py, PyTorch's wheel) makes them: the TorchScript archive
// is a traced CLIP-shaped module saved with fp16 tensors, as OpenAI's ViT-B-16.pt is. Every tensor
// is checked against the writer's manifest (shape, sum and sum of squares of the fp16 values), the
// three files against each other bit for bit, and the architecture read off them against
// ViT-B/16's. ctest writes the files first (fixture vit_b16_checkpoints) and names them in
// ITACLIP_VIT_B16_CHECKPOINT (the path without its suffix).
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>

#include "core/checkpoint/checkpoint_format.h"
#include "core/checkpoint/hf_key_mapping.h"
#include "core/checkpoint/known_clip_configs.h"
#include "core/checkpoint/load_clip.h"
#include "core/checkpoint/safetensors_reader.h"
#include "core/checkpoint/torchscript_reader.h"
#include "nlohmann/json.hpp"

namespace itaclip::checkpoint {
namespace {

class RealShapeCheckpointTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const char* stem = std::getenv("ITACLIP_VIT_B16_CHECKPOINT");
    if (stem != nullptr) stem_ = new std::string(stem);
  }
  void SetUp() override {
    if (stem_ == nullptr) {
      GTEST_SKIP() << "ITACLIP_VIT_B16_CHECKPOINT is not set: run through ctest, which writes "
                      "the ViT-B/16-shaped checkpoints first (tests/reference/"
                      "write_clip_checkpoints.py)";
    }
  }
  static std::string Path(const std::string& suffix) { return *stem_ + suffix; }

  static std::string* stem_;
};
std::string* RealShapeCheckpointTest::stem_ = nullptr;

StateDict ReadAs(const std::string& path, CheckpointFormat format) {
  absl::StatusOr<StateDict> dict;
  switch (format) {
    case CheckpointFormat::kTorchScriptArchive:
      dict = ReadTorchScriptArchive(path);
      break;
    case CheckpointFormat::kOpenAiSafetensors:
      dict = ReadSafetensors(path);
      break;
    case CheckpointFormat::kHuggingFaceSafetensors: {
      absl::StatusOr<StateDict> hf = ReadSafetensors(path);
      if (!hf.ok()) {
        dict = hf.status();
        break;
      }
      dict = HuggingFaceToOpenAi(*hf);
      break;
    }
  }
  EXPECT_TRUE(dict.ok()) << dict.status();
  return dict.ok() ? *dict : StateDict();
}

TEST_F(RealShapeCheckpointTest, EveryFormatHoldsTheWritersValues) {
  std::ifstream in(Path(".manifest.json"));
  ASSERT_TRUE(in) << Path(".manifest.json");
  const nlohmann::json manifest = nlohmann::json::parse(in);
  ASSERT_EQ(manifest.size(), 302u);  // 2 + 12 * 12 * 2 + 10 vision/text/shared tensors

  const std::map<std::string, CheckpointFormat> files = {
      {".pt", CheckpointFormat::kTorchScriptArchive},
      {"-openai.safetensors", CheckpointFormat::kOpenAiSafetensors},
      {"-hf.safetensors", CheckpointFormat::kHuggingFaceSafetensors}};
  std::map<std::string, StateDict> dicts;
  for (const auto& [suffix, format] : files) {
    SCOPED_TRACE(suffix);
    ASSERT_EQ(*DetectCheckpointFormat(Path(suffix)), format);
    const StateDict dict = ReadAs(Path(suffix), format);
    ASSERT_EQ(dict.size(), manifest.size());
    for (const auto& [key, expected] : manifest.items()) {
      SCOPED_TRACE(key);
      const auto found = dict.find(key);
      ASSERT_NE(found, dict.end());
      const at::Tensor& tensor = found->second;
      EXPECT_EQ(tensor.scalar_type(), at::kHalf);
      EXPECT_EQ(tensor.sizes().vec(), expected["shape"].get<std::vector<int64_t>>());
      const at::Tensor values = tensor.to(at::kDouble);
      const double sum = values.sum().item<double>();
      const double squares = values.square().sum().item<double>();
      // fp16 values summed in double: exact up to the order of the additions.
      const double expected_squares = expected["sum_of_squares"].get<double>();
      EXPECT_NEAR(sum, expected["sum"].get<double>(), 1e-9 * std::sqrt(expected_squares) + 1e-12);
      EXPECT_NEAR(squares, expected_squares, 1e-12 * expected_squares + 1e-12);
    }
    dicts.emplace(suffix, dict);
  }
  for (const auto& [key, tensor] : dicts.at(".pt")) {
    EXPECT_TRUE(at::equal(tensor, dicts.at("-openai.safetensors").at(key))) << key;
    EXPECT_TRUE(at::equal(tensor, dicts.at("-hf.safetensors").at(key))) << key;
  }
}

TEST_F(RealShapeCheckpointTest, EachFormatLoadsAsViTB16) {
  const ClipConfig expected = VitB16ClipConfig();
  for (const char* suffix : {".pt", "-openai.safetensors", "-hf.safetensors"}) {
    SCOPED_TRACE(suffix);
    absl::StatusOr<ClipWeights> weights = LoadClip(Path(suffix), LoadOptions());
    ASSERT_TRUE(weights.ok()) << weights.status();
    EXPECT_EQ(weights->config.DebugString(), expected.DebugString());
    EXPECT_EQ(weights->config.vision_heads, 12);
    EXPECT_EQ(weights->config.text_heads, 8);
  }
}

}  // namespace
}  // namespace itaclip::checkpoint
