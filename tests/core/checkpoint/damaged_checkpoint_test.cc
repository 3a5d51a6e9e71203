// Damaged checkpoints in each of the three formats: a few hundred truncations and byte flips of
// each file. Every one must end in a clear error (INVALID_ARGUMENT, one line, naming the file),
// or, where the damage cannot be detected, load: a safetensors file whose flipped byte lies in its
// tensor data (the format has no checksum) loads with that one value changed, any other damaged
// file that loads must give exactly the original weights. A crash fails the whole suite.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/checkpoint/known_clip_configs.h"
#include "core/checkpoint/load_clip.h"
#include "tests/testing/file_bytes.h"
#include "tests/testing/flatten_clip_weights.h"
#include "tests/testing/scratch_dir_test.h"
#include "tests/testing/tiny_checkpoint.h"

namespace itaclip::checkpoint {
namespace {

constexpr int kTruncations = 150;
constexpr int kFlips = 150;

// The tiny shape with a small vocabulary: every structure of a real file in a few megabytes.
ClipConfig SmallConfig() {
  ClipConfig config = TinyClipConfig();
  config.vocab_size = 64;
  return config;
}

// Truncated lengths: every length in the first 64 bytes and the last 64 (headers, the zip
// central directory), the rest spread evenly and at random.
std::vector<size_t> TruncatedLengths(size_t size, std::mt19937_64& random) {
  std::set<size_t> lengths;
  for (size_t i = 0; i < 64 && i < size; ++i) {
    lengths.insert(i);
    lengths.insert(size - 1 - i);
  }
  for (int i = 1; i <= 11; ++i) lengths.insert(size * i / 12);
  std::uniform_int_distribution<size_t> anywhere(0, size - 1);
  while (lengths.size() < static_cast<size_t>(kTruncations)) lengths.insert(anywhere(random));
  return {lengths.begin(), lengths.end()};
}

// Flipped positions: a third in the first 4 KiB, a third in the last 4 KiB, a third anywhere.
std::vector<size_t> FlippedPositions(size_t size, std::mt19937_64& random) {
  const size_t edge = std::min<size_t>(4096, size);
  std::uniform_int_distribution<size_t> head(0, edge - 1), anywhere(0, size - 1);
  std::set<size_t> positions;
  while (positions.size() < static_cast<size_t>(kFlips)) {
    const size_t i = positions.size() % 3;
    positions.insert(i == 0 ? head(random) : i == 1 ? size - 1 - head(random) : anywhere(random));
  }
  return {positions.begin(), positions.end()};
}

// Where a safetensors file's tensor data starts (after its 8-byte length and JSON header).
size_t SafetensorsDataStart(const std::string& bytes) {
  uint64_t header = 0;
  for (int i = 7; i >= 0; --i) header = (header << 8) | static_cast<unsigned char>(bytes[i]);
  return 8 + static_cast<size_t>(header);
}

class DamagedCheckpointTest : public testing::ScratchDirTest {
 protected:
  void SetUp() override {
    ScratchDirTest::SetUp();
    paths_ = testing::WriteTinyCheckpoints(scratch_dir(), SmallConfig(), 5, c10::kHalf);
  }

  // Loads `bytes` written to a scratch file; an error must be INVALID_ARGUMENT, name the file and
  // fit on one line. Returns the weights when they load.
  absl::StatusOr<ClipWeights> LoadDamaged(const std::string& bytes, const std::string& what) {
    const std::string path = ScratchPath("damaged");
    testing::WriteFileBytes(path, bytes);
    absl::StatusOr<ClipWeights> weights = LoadClip(path, LoadOptions());
    if (!weights.ok()) {
      const std::string message(weights.status().message());
      EXPECT_EQ(weights.status().code(), absl::StatusCode::kInvalidArgument)
          << what << ": " << message;
      EXPECT_NE(message.find(path), std::string::npos) << what << ": " << message;
      EXPECT_EQ(message.find('\n'), std::string::npos) << what << ": " << message;
    }
    return weights;
  }

  // How many of the loaded tensors differ from `original`, and in how many elements in all.
  static int64_t DifferingElements(const ClipWeights& original, const ClipWeights& loaded) {
    const auto a = testing::FlattenClipWeights(original);
    const auto b = testing::FlattenClipWeights(loaded);
    int64_t differing = 0;
    for (size_t i = 0; i < a.size(); ++i) {
      differing += a[i].second.ne(b[i].second).sum().item<int64_t>();
    }
    return differing;
  }

  void Check(const std::string& path, bool safetensors) {
    const std::string original_bytes = testing::ReadFileBytes(path);
    ASSERT_GT(original_bytes.size(), 4096u);
    const absl::StatusOr<ClipWeights> original = LoadClip(path, LoadOptions());
    ASSERT_TRUE(original.ok()) << original.status();
    std::mt19937_64 random(2024);

    int errors = 0;
    for (size_t length : TruncatedLengths(original_bytes.size(), random)) {
      const std::string what = absl::StrCat(path, " truncated to ", length, " bytes");
      const absl::StatusOr<ClipWeights> loaded =
          LoadDamaged(original_bytes.substr(0, length), what);
      EXPECT_FALSE(loaded.ok()) << what << " loaded";
      errors += !loaded.ok();
    }
    EXPECT_EQ(errors, kTruncations);

    const size_t data_start = safetensors ? SafetensorsDataStart(original_bytes) : 0;
    std::uniform_int_distribution<int> nonzero(1, 255);
    int loaded_unchanged = 0, loaded_changed = 0;
    for (size_t position : FlippedPositions(original_bytes.size(), random)) {
      std::string bytes = original_bytes;
      bytes[position] = static_cast<char>(bytes[position] ^ nonzero(random));
      const std::string what = absl::StrCat(path, " with byte ", position, " changed");
      const absl::StatusOr<ClipWeights> loaded = LoadDamaged(bytes, what);
      if (!loaded.ok()) continue;
      const int64_t differing = DifferingElements(*original, *loaded);
      if (differing == 0) {
        ++loaded_unchanged;
      } else {
        ++loaded_changed;
        // Only an undetectable flip inside a safetensors file's tensor data may load, changing
        // the one value that holds the byte.
        EXPECT_TRUE(safetensors && position >= data_start) << what << " loaded changed weights";
        EXPECT_EQ(differing, 1) << what;
      }
    }
    std::printf(
        "%s: %d truncations refused; %d flips: %d refused, %d loaded unchanged, %d loaded "
        "with one value changed\n",
        path.c_str(), kTruncations, kFlips, kFlips - loaded_unchanged - loaded_changed,
        loaded_unchanged, loaded_changed);
  }

  testing::TinyCheckpointPaths paths_;
};

TEST_F(DamagedCheckpointTest, TorchScriptArchive) { Check(paths_.torchscript, false); }

TEST_F(DamagedCheckpointTest, OpenAiSafetensors) { Check(paths_.openai_safetensors, true); }

TEST_F(DamagedCheckpointTest, HuggingFaceSafetensors) { Check(paths_.hf_safetensors, true); }

}  // namespace
}  // namespace itaclip::checkpoint
