#include "core/checkpoint/checkpoint_format.h"

#include <ATen/ATen.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "core/checkpoint/known_clip_configs.h"
#include "core/checkpoint/safetensors_writer.h"
#include "tests/testing/scratch_dir_test.h"
#include "tests/testing/tiny_checkpoint.h"

namespace itaclip::checkpoint {
namespace {

using ::testing::HasSubstr;

using ScratchTest = testing::ScratchDirTest;
class CheckpointFormatTest : public ScratchTest {};

void WriteBytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out.good()) << path;
}

void ExpectNotClip(const std::string& path, const std::string& reason) {
  const absl::StatusOr<CheckpointFormat> format = DetectCheckpointFormat(path);
  ASSERT_FALSE(format.ok());
  EXPECT_EQ(format.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(format.status().message()),
              HasSubstr(absl::StrCat("checkpoint ", path, ": not a CLIP checkpoint: ")));
  EXPECT_THAT(std::string(format.status().message()), HasSubstr(reason));
}

TEST_F(CheckpointFormatTest, DetectsTheThreeTinyFormats) {
  const testing::TinyCheckpointPaths paths =
      testing::WriteTinyCheckpoints(scratch_dir(), checkpoint::TinyClipConfig(), 1, c10::kHalf);
  absl::StatusOr<CheckpointFormat> format = DetectCheckpointFormat(paths.torchscript);
  ASSERT_TRUE(format.ok()) << format.status();
  EXPECT_EQ(*format, CheckpointFormat::kTorchScriptArchive);
  format = DetectCheckpointFormat(paths.openai_safetensors);
  ASSERT_TRUE(format.ok()) << format.status();
  EXPECT_EQ(*format, CheckpointFormat::kOpenAiSafetensors);
  format = DetectCheckpointFormat(paths.hf_safetensors);
  ASSERT_TRUE(format.ok()) << format.status();
  EXPECT_EQ(*format, CheckpointFormat::kHuggingFaceSafetensors);
}

TEST_F(CheckpointFormatTest, ContentDecidesNotTheFileName) {
  const std::string dir = scratch_dir();
  StateDict dict;
  dict["visual.conv1.weight"] = at::zeros({64, 3, 16, 16});
  ASSERT_TRUE(WriteSafetensors(dict, dir + "/model.pt").ok());
  const absl::StatusOr<CheckpointFormat> format = DetectCheckpointFormat(dir + "/model.pt");
  ASSERT_TRUE(format.ok()) << format.status();
  EXPECT_EQ(*format, CheckpointFormat::kOpenAiSafetensors);
  // Any zip is taken for a TorchScript archive here; the loader checks its
  // contents.
  WriteBytes(dir + "/weights.safetensors", std::string("PK\x03\x04", 4) + "rest");
  EXPECT_EQ(*DetectCheckpointFormat(dir + "/weights.safetensors"),
            CheckpointFormat::kTorchScriptArchive);
}

TEST_F(CheckpointFormatTest, MissingFileIsNotFound) {
  const absl::StatusOr<CheckpointFormat> format =
      DetectCheckpointFormat(scratch_dir() + "/absent.pt");
  ASSERT_FALSE(format.ok());
  EXPECT_EQ(format.status().code(), absl::StatusCode::kNotFound);
}

TEST_F(CheckpointFormatTest, DirectoryIsRefused) {
  const std::string dir = scratch_dir();
  const absl::StatusOr<CheckpointFormat> format = DetectCheckpointFormat(dir);
  ASSERT_FALSE(format.ok());
  EXPECT_EQ(format.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(format.status().message()), HasSubstr("not a regular file"));
}

TEST_F(CheckpointFormatTest, EmptyFile) {
  const std::string path = scratch_dir() + "/empty.pt";
  WriteBytes(path, "");
  ExpectNotClip(path, "the file is empty");
}

TEST_F(CheckpointFormatTest, RandomBytes) {
  std::mt19937 generator(1234);
  std::string bytes(4096, '\0');
  for (char& byte : bytes) byte = static_cast<char>(generator() & 0xff);
  ASSERT_NE(bytes.substr(0, 2), "PK");
  ASSERT_NE(bytes[8], '{');
  const std::string path = scratch_dir() + "/random.bin";
  WriteBytes(path, bytes);
  ExpectNotClip(path, "unrecognised content");
}

TEST_F(CheckpointFormatTest, TooShortFile) {
  const std::string path = scratch_dir() + "/short.bin";
  WriteBytes(path, "12345");
  ExpectNotClip(path, "the file has only 5 bytes");
}

TEST_F(CheckpointFormatTest, SafetensorsWithoutClipKeys) {
  const std::string path = scratch_dir() + "/other.safetensors";
  StateDict dict;
  dict["encoder.weight"] = at::zeros({4, 4});
  ASSERT_TRUE(WriteSafetensors(dict, path).ok());
  ExpectNotClip(path, "safetensors file with 1 tensors but neither visual.conv1.weight");
}

TEST_F(CheckpointFormatTest, SafetensorsWithBothNamingSchemes) {
  const std::string path = scratch_dir() + "/both.safetensors";
  StateDict dict;
  dict["visual.conv1.weight"] = at::zeros({1});
  dict["vision_model.embeddings.patch_embedding.weight"] = at::zeros({1});
  ASSERT_TRUE(WriteSafetensors(dict, path).ok());
  ExpectNotClip(path, "both OpenAI");
}

TEST_F(CheckpointFormatTest, BrokenSafetensorsHeaderIsReported) {
  const std::string path = scratch_dir() + "/broken.safetensors";
  std::string bytes(8, '\0');
  bytes[0] = 20;  // header length 20, but only 3 header bytes follow
  WriteBytes(path, bytes + "{\"a");
  const absl::StatusOr<CheckpointFormat> format = DetectCheckpointFormat(path);
  ASSERT_FALSE(format.ok());
  EXPECT_EQ(format.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(format.status().message()),
              HasSubstr("truncated: header says 28 bytes, file has 11"));
}

TEST_F(CheckpointFormatTest, FormatNames) {
  EXPECT_EQ(CheckpointFormatName(CheckpointFormat::kTorchScriptArchive), "TorchScript archive");
  EXPECT_EQ(CheckpointFormatName(CheckpointFormat::kOpenAiSafetensors), "OpenAI safetensors");
  EXPECT_EQ(CheckpointFormatName(CheckpointFormat::kHuggingFaceSafetensors),
            "Hugging Face safetensors");
}

}  // namespace
}  // namespace itaclip::checkpoint
