// The three checkpoint formats, written from the same random weights, give the same image and text
// embeddings through the model (not only the same tensors).
#include <ATen/ATen.h>

#include <memory>
#include <vector>

#include "core/checkpoint/known_clip_configs.h"
#include "core/clip/clip_model.h"
#include "gtest/gtest.h"
#include "tests/testing/test_paths.h"
#include "tests/testing/tiny_checkpoint.h"

namespace itaclip::clip {
namespace {

TEST(CheckpointFormatsTest, AllThreeFormatsGiveTheSameEmbeddings) {
  const testing::TinyCheckpointPaths paths = testing::WriteTinyCheckpoints(
      testing::ScratchDir(), checkpoint::TinyClipConfig(), /*seed=*/9, c10::kHalf);
  at::manual_seed(4);
  const at::Tensor images = at::randn({2, 3, 224, 224});
  const std::vector<std::vector<int32_t>> texts = {{49406, 320, 1929, 49407}, {49406, 2368, 49407}};
  std::vector<at::Tensor> image_embeddings, text_embeddings;
  for (const std::string& path :
       {paths.torchscript, paths.openai_safetensors, paths.hf_safetensors}) {
    absl::StatusOr<std::unique_ptr<ClipModel>> model =
        ClipModel::Load(path, c10::Device(c10::kCPU), c10::kFloat);
    ASSERT_TRUE(model.ok()) << path << ": " << model.status();
    absl::StatusOr<at::Tensor> image = (*model)->EncodeImages(images);
    absl::StatusOr<at::Tensor> text = (*model)->EncodeTexts(texts);
    ASSERT_TRUE(image.ok() && text.ok()) << path;
    image_embeddings.push_back(*image);
    text_embeddings.push_back(*text);
  }
  for (size_t i = 1; i < 3; ++i) {
    EXPECT_TRUE(at::equal(image_embeddings[i], image_embeddings[0])) << "format " << i;
    EXPECT_TRUE(at::equal(text_embeddings[i], text_embeddings[0])) << "format " << i;
  }
  // And the embeddings are not degenerate (a format that dropped weights would not be caught by
  // equal zeros).
  EXPECT_GT(image_embeddings[0].std().item<double>(), 1e-3);
  EXPECT_GT(text_embeddings[0].std().item<double>(), 1e-3);
}

}  // namespace
}  // namespace itaclip::clip
