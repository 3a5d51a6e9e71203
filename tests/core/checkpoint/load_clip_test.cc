#include "core/checkpoint/load_clip.h"

#include <ATen/ATen.h>
#include <ATen/Context.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/csrc/jit/serialization/pickle.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/checkpoint/hf_key_mapping.h"
#include "core/checkpoint/known_clip_configs.h"
#include "core/checkpoint/random_state_dict.h"
#include "core/checkpoint/safetensors_writer.h"
#include "core/checkpoint/torchscript_writer.h"
#include "tests/testing/cuda_device.h"
#include "tests/testing/file_bytes.h"
#include "tests/testing/flatten_clip_weights.h"
#include "tests/testing/tiny_checkpoint.h"

namespace itaclip::checkpoint {
namespace {

using ::testing::HasSubstr;

constexpr uint64_t kSeed = 42;

// Spec section 1.2: LayerNorm parameters, class_embedding, positional
// embeddings and token_embedding stay fp32; everything else (conv, linear and
// attention weights and biases, proj, text_projection) takes the compute dtype.
bool StaysFp32(const std::string& key) {
  return key.find("ln_") != std::string::npos || key.find("embedding") != std::string::npos;
}

std::string ScratchDir(const std::string& name) {
  const std::string dir =
      absl::StrCat(::testing::TempDir(), "itaclip_load_clip_", name, "_", getpid());
  std::filesystem::create_directories(dir);
  return dir;
}

class LoadClipTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const std::string dir = ScratchDir("suite");
    suite_dir_ = new std::string(dir);
    fp32_ = new testing::TinyCheckpointPaths(testing::WriteTinyCheckpoints(
        dir + "/fp32", checkpoint::TinyClipConfig(), kSeed, c10::kFloat));
    fp16_ = new testing::TinyCheckpointPaths(testing::WriteTinyCheckpoints(
        dir + "/fp16", checkpoint::TinyClipConfig(), kSeed, c10::kHalf));
  }
  static void TearDownTestSuite() {
    std::error_code ignored;
    std::filesystem::remove_all(*suite_dir_, ignored);
    delete suite_dir_;
    delete fp32_;
    delete fp16_;
    suite_dir_ = nullptr;
    fp32_ = fp16_ = nullptr;
  }

  static const testing::TinyCheckpointPaths& Paths(at::ScalarType file_dtype) {
    return file_dtype == at::kHalf ? *fp16_ : *fp32_;
  }

  // Loads the three formats written in `file_dtype` with `load_dtype` and
  // compares every tensor to the random weights rounded to the file dtype, then
  // converted to the tensor's group dtype.
  static void CheckAllFormats(at::ScalarType file_dtype, at::ScalarType load_dtype) {
    const StateDict source = MakeRandomClipStateDict(checkpoint::TinyClipConfig(), kSeed);
    const testing::TinyCheckpointPaths& paths = Paths(file_dtype);
    LoadOptions options;
    options.dtype = load_dtype;
    for (const std::string& path :
         {paths.torchscript, paths.openai_safetensors, paths.hf_safetensors}) {
      SCOPED_TRACE(path);
      const absl::StatusOr<ClipWeights> weights = LoadClip(path, options);
      ASSERT_TRUE(weights.ok()) << weights.status();
      ASSERT_EQ(weights->vision.blocks.size(), 12u);
      ASSERT_EQ(weights->text.blocks.size(), 12u);
      const auto flat = testing::FlattenClipWeights(*weights);
      ASSERT_EQ(flat.size(), source.size() - 1);  // all but logit_scale
      for (const auto& [key, tensor] : flat) {
        ASSERT_TRUE(tensor.defined()) << key;
        const at::ScalarType expected_dtype = StaysFp32(key) ? at::kFloat : load_dtype;
        const at::Tensor expected = source.at(key).to(file_dtype).to(expected_dtype);
        EXPECT_EQ(tensor.scalar_type(), expected_dtype) << key;
        EXPECT_TRUE(tensor.device().is_cpu()) << key;
        EXPECT_TRUE(tensor.is_contiguous()) << key;
        EXPECT_TRUE(at::equal(tensor, expected)) << key;
      }
    }
  }

  static std::string* suite_dir_;
  static testing::TinyCheckpointPaths* fp32_;
  static testing::TinyCheckpointPaths* fp16_;
};

std::string* LoadClipTest::suite_dir_ = nullptr;
testing::TinyCheckpointPaths* LoadClipTest::fp32_ = nullptr;
testing::TinyCheckpointPaths* LoadClipTest::fp16_ = nullptr;

TEST_F(LoadClipTest, Fp32FilesLoadBitIdenticallyInFp32) { CheckAllFormats(at::kFloat, at::kFloat); }

TEST_F(LoadClipTest, Fp16FilesLoadBitIdenticallyInFp16) { CheckAllFormats(at::kHalf, at::kHalf); }

TEST_F(LoadClipTest, Fp16FilesLoadedInFp32ConvertExactly) {
  CheckAllFormats(at::kHalf, at::kFloat);
}

TEST_F(LoadClipTest, Fp32FilesLoadedInFp16RoundLikeConvertWeights) {
  CheckAllFormats(at::kFloat, at::kHalf);
}

TEST_F(LoadClipTest, Bf16Load) { CheckAllFormats(at::kFloat, at::kBFloat16); }

TEST_F(LoadClipTest, Fp16LoadKeepsLayerNormAndEmbeddingsInFp32) {
  LoadOptions options;
  options.dtype = at::kHalf;
  const absl::StatusOr<ClipWeights> weights = LoadClip(Paths(at::kHalf).hf_safetensors, options);
  ASSERT_TRUE(weights.ok()) << weights.status();
  EXPECT_EQ(weights->vision.ln_pre_weight.scalar_type(), at::kFloat);
  EXPECT_EQ(weights->vision.class_embedding.scalar_type(), at::kFloat);
  EXPECT_EQ(weights->vision.positional_embedding.scalar_type(), at::kFloat);
  EXPECT_EQ(weights->vision.blocks[3].ln_2_bias.scalar_type(), at::kFloat);
  EXPECT_EQ(weights->text.token_embedding.scalar_type(), at::kFloat);
  EXPECT_EQ(weights->text.positional_embedding.scalar_type(), at::kFloat);
  EXPECT_EQ(weights->text.ln_final_bias.scalar_type(), at::kFloat);
  EXPECT_EQ(weights->vision.conv1_weight.scalar_type(), at::kHalf);
  EXPECT_EQ(weights->vision.proj.scalar_type(), at::kHalf);
  EXPECT_EQ(weights->text.text_projection.scalar_type(), at::kHalf);
  EXPECT_EQ(weights->text.blocks[0].in_proj_bias.scalar_type(), at::kHalf);
  EXPECT_EQ(weights->text.blocks[0].out_proj_bias.scalar_type(), at::kHalf);
  EXPECT_EQ(weights->text.blocks[0].fc_bias.scalar_type(), at::kHalf);
  EXPECT_EQ(weights->text.blocks[0].proj_bias.scalar_type(), at::kHalf);
}

TEST_F(LoadClipTest, ConfigIsReadOffTheFile) {
  const absl::StatusOr<ClipWeights> weights = LoadClip(Paths(at::kHalf).torchscript, {});
  ASSERT_TRUE(weights.ok()) << weights.status();
  EXPECT_EQ(weights->config.DebugString(), checkpoint::TinyClipConfig().DebugString());
  EXPECT_EQ(weights->config.grid_size, 14);
  EXPECT_EQ(weights->config.image_resolution, 224);
  EXPECT_EQ(weights->vision.proj.sizes().vec(), (std::vector<int64_t>{64, 32}));
}

TEST_F(LoadClipTest, CudaLoadMatchesCpuLoad) {
  SKIP_WITHOUT_CUDA_DEVICE();
  LoadOptions options;
  options.device = c10::Device(c10::kCUDA, 0);
  options.dtype = at::kHalf;
  const absl::StatusOr<ClipWeights> gpu = LoadClip(Paths(at::kHalf).torchscript, options);
  ASSERT_TRUE(gpu.ok()) << gpu.status();
  options.device = c10::Device(c10::kCPU);
  const absl::StatusOr<ClipWeights> cpu = LoadClip(Paths(at::kHalf).torchscript, options);
  ASSERT_TRUE(cpu.ok()) << cpu.status();
  const auto gpu_flat = testing::FlattenClipWeights(*gpu);
  const auto cpu_flat = testing::FlattenClipWeights(*cpu);
  for (size_t i = 0; i < gpu_flat.size(); ++i) {
    EXPECT_TRUE(gpu_flat[i].second.is_cuda()) << gpu_flat[i].first;
    EXPECT_TRUE(at::equal(gpu_flat[i].second.cpu(), cpu_flat[i].second)) << gpu_flat[i].first;
  }
}

TEST_F(LoadClipTest, UnsupportedComputeDtype) {
  LoadOptions options;
  options.dtype = at::kDouble;
  const absl::StatusOr<ClipWeights> weights =
      LoadClip(Paths(at::kFloat).openai_safetensors, options);
  ASSERT_FALSE(weights.ok());
  EXPECT_EQ(weights.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(weights.status().message()), HasSubstr("compute dtype Double"));
}

// --- Error cases: each names the file and the problem. ---

// Gives each test a scratch folder `dir_`, removed when the test ends.
class LoadClipErrorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ScratchDir(::testing::UnitTest::GetInstance()->current_test_info()->name());
  }
  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  std::string dir_;
};

std::string LoadError(const std::string& path, absl::StatusCode code) {
  const absl::StatusOr<ClipWeights> weights = LoadClip(path, {});
  EXPECT_FALSE(weights.ok()) << path;
  if (weights.ok()) return "";
  EXPECT_EQ(weights.status().code(), code) << weights.status();
  EXPECT_THAT(std::string(weights.status().message()), HasSubstr(path));
  return std::string(weights.status().message());
}

std::string InvalidError(const std::string& path) {
  return LoadError(path, absl::StatusCode::kInvalidArgument);
}

TEST_F(LoadClipErrorTest, MissingFile) {
  LoadError(dir_ + "/ViT-B-16.pt", absl::StatusCode::kNotFound);
}

TEST_F(LoadClipErrorTest, EmptyFile) {
  const std::string path = dir_ + "/empty.pt";
  testing::WriteFileBytes(path, "");
  EXPECT_THAT(InvalidError(path), HasSubstr("not a CLIP checkpoint: the file is empty"));
}

TEST_F(LoadClipErrorTest, RandomBytes) {
  std::string bytes(1000, '\0');
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>((i * 7919 + 13) % 251);
  ASSERT_NE(bytes[8], '{');
  const std::string path = dir_ + "/random.bin";
  testing::WriteFileBytes(path, bytes);
  EXPECT_THAT(InvalidError(path), HasSubstr("not a CLIP checkpoint: unrecognised content"));
}

TEST_F(LoadClipErrorTest, TruncatedSafetensors) {
  const std::string dir = dir_;
  const testing::TinyCheckpointPaths paths =
      testing::WriteTinyCheckpoints(dir, checkpoint::TinyClipConfig(), 3, c10::kHalf);
  const std::string file = testing::ReadFileBytes(paths.openai_safetensors);
  const std::string path = dir + "/cut.safetensors";
  testing::WriteFileBytes(path, file.substr(0, file.size() - 1000));
  EXPECT_THAT(InvalidError(path), HasSubstr(absl::StrCat("truncated: header says ", file.size(),
                                                         " bytes, file has ", file.size() - 1000)));
}

TEST_F(LoadClipErrorTest, HeaderLengthPastEndOfFile) {
  const std::string path = dir_ + "/past.safetensors";
  std::string length(8, '\0');
  length[1] = 1;  // 256
  testing::WriteFileBytes(path, length + "{\"visual.conv1.weight\":");
  EXPECT_THAT(InvalidError(path), HasSubstr("truncated: header says 264 bytes, file has 31"));
}

TEST_F(LoadClipErrorTest, BadJsonHeader) {
  const std::string path = dir_ + "/json.safetensors";
  const std::string header = "{\"visual.conv1.weight\": {\"dtype\": F32}}";
  std::string length(8, '\0');
  length[0] = static_cast<char>(header.size());
  testing::WriteFileBytes(path, length + header);
  EXPECT_THAT(InvalidError(path), HasSubstr("header is not valid JSON"));
}

TEST_F(LoadClipErrorTest, OffsetsOutOfRange) {
  const std::string path = dir_ + "/offsets.safetensors";
  const std::string header =
      R"({"visual.conv1.weight":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}})";
  std::string length(8, '\0');
  length[0] = static_cast<char>(header.size());
  testing::WriteFileBytes(path, length + header + std::string(8, '\0'));
  EXPECT_THAT(InvalidError(path),
              HasSubstr("data_offsets [8, 16] run past the 8-byte data section"));
}

TEST_F(LoadClipErrorTest, UnsupportedDtype) {
  const std::string path = dir_ + "/dtype.safetensors";
  const std::string header =
      R"({"visual.conv1.weight":{"dtype":"U8","shape":[2],"data_offsets":[0,2]}})";
  std::string length(8, '\0');
  length[0] = static_cast<char>(header.size());
  testing::WriteFileBytes(path, length + header + "ab");
  EXPECT_THAT(InvalidError(path),
              HasSubstr("tensor 'visual.conv1.weight' has unsupported dtype U8"));
}

TEST_F(LoadClipErrorTest, MissingKeyIsNamed) {
  StateDict dict = MakeRandomClipStateDict(checkpoint::TinyClipConfig(), 3);
  dict.erase("visual.ln_post.bias");
  const std::string path = dir_ + "/model.safetensors";
  ASSERT_TRUE(WriteSafetensors(dict, path).ok());
  EXPECT_EQ(InvalidError(path),
            absl::StrCat("checkpoint ", path, ": missing key visual.ln_post.bias"));
}

TEST_F(LoadClipErrorTest, WrongShapeNamesBothShapes) {
  StateDict dict = MakeRandomClipStateDict(checkpoint::TinyClipConfig(), 3);
  dict["visual.proj"] = at::zeros({64, 16});
  const std::string path = dir_ + "/model.pt";
  ASSERT_TRUE(WriteTorchScriptArchive(dict, path).ok());
  EXPECT_EQ(
      InvalidError(path),
      absl::StrCat("checkpoint ", path, ": visual.proj has shape [64, 16], expected [64, 32]"));
}

TEST_F(LoadClipErrorTest, HuggingFaceMissingKeyIsNamed) {
  StateDict hf = OpenAiToHuggingFace(MakeRandomClipStateDict(checkpoint::TinyClipConfig(), 3));
  hf.erase("text_model.encoder.layers.4.self_attn.k_proj.bias");
  const std::string path = dir_ + "/model.safetensors";
  ASSERT_TRUE(WriteSafetensors(hf, path).ok());
  EXPECT_EQ(InvalidError(path), absl::StrCat("checkpoint ", path,
                                             ": missing Hugging Face key "
                                             "text_model.encoder.layers.4.self_attn.k_proj.bias"));
}

TEST_F(LoadClipErrorTest, ZipThatIsNotATorchScriptArchive) {
  c10::Dict<std::string, at::Tensor> state;
  state.insert("visual.conv1.weight", at::zeros({64, 3, 16, 16}));
  const std::vector<char> bytes = torch::jit::pickle_save(c10::IValue(state));
  const std::string path = dir_ + "/state_dict.pt";
  testing::WriteFileBytes(path, std::string(bytes.begin(), bytes.end()));
  EXPECT_THAT(InvalidError(path), HasSubstr("not a loadable TorchScript archive"));
}

TEST_F(LoadClipErrorTest, TorchScriptArchiveOfAnotherModel) {
  StateDict dict;
  dict["encoder.layer.weight"] = at::zeros({4, 4});
  const std::string path = dir_ + "/other.pt";
  ASSERT_TRUE(WriteTorchScriptArchive(dict, path).ok());
  EXPECT_EQ(InvalidError(path),
            absl::StrCat("checkpoint ", path, ": missing key visual.conv1.weight"));
}

}  // namespace
}  // namespace itaclip::checkpoint
