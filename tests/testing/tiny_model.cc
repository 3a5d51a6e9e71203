#include "tests/testing/tiny_model.h"

#include <unistd.h>

#include <filesystem>
#include <string>

#include "absl/strings/str_cat.h"
#include "core/checkpoint/known_clip_configs.h"
#include "core/checkpoint/load_clip.h"
#include "core/checkpoint/random_state_dict.h"
#include "core/checkpoint/safetensors_writer.h"
#include "gtest/gtest.h"

namespace itaclip::testing {

std::string TinyCheckpointPath(uint64_t seed) {
  const std::filesystem::path path = std::filesystem::path(ITACLIP_BINARY_DIR) / "test_scratch" /
                                     absl::StrCat("tiny_model_", seed, ".safetensors");
  if (!std::filesystem::exists(path)) {
    std::filesystem::create_directories(path.parent_path());
    // A private name per process: suites running in parallel may both be writing it.
    const std::string partial = absl::StrCat(path.string(), ".", getpid(), ".partial");
    const absl::Status written = checkpoint::WriteSafetensors(
        checkpoint::MakeRandomClipStateDict(checkpoint::TinyClipConfig(), seed), partial);
    if (!written.ok()) ADD_FAILURE() << written;
    std::filesystem::rename(partial, path);
  }
  return path.string();
}

checkpoint::ClipWeights MakeTinyWeights(uint64_t seed) {
  absl::StatusOr<checkpoint::ClipWeights> weights =
      checkpoint::LoadClip(TinyCheckpointPath(seed), checkpoint::LoadOptions{});
  if (!weights.ok()) {
    ADD_FAILURE() << weights.status();
    std::abort();
  }
  return *std::move(weights);
}

std::unique_ptr<clip::ClipModel> MakeTinyModel(uint64_t seed) {
  return std::make_unique<clip::ClipModel>(MakeTinyWeights(seed));
}

}  // namespace itaclip::testing
