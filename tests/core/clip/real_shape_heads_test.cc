// ViT-B/16's real shape (12 vision heads of 64, 8 text heads) against the literal per-head
// transcription of the spec (reference_vit.cc): the fused self-self attention of the last block
// (the weighted sum of attentions, no [L, L] map) against the materialised maps
// softmax(q_h q_hᵀ/8) + softmax(k_h k_hᵀ/8) of every head, and the text tower's multi-head split.
// The test checkpoints elsewhere have one or two heads.
#include <ATen/ATen.h>

#include <vector>

#include "core/checkpoint/assemble_clip_weights.h"
#include "core/checkpoint/known_clip_configs.h"
#include "core/checkpoint/random_state_dict.h"
#include "core/clip/clip_model.h"
#include "core/clip/vision_transformer.h"
#include "gtest/gtest.h"
#include "tests/core/clip/reference_vit.h"

namespace itaclip::clip {
namespace {

const checkpoint::ClipWeights& VitB16Weights() {
  static const checkpoint::ClipWeights* weights = [] {
    const checkpoint::ClipConfig config = checkpoint::VitB16ClipConfig();
    absl::StatusOr<checkpoint::ClipWeights> assembled = checkpoint::AssembleClipWeights(
        checkpoint::MakeRandomClipStateDict(config, 17), config, checkpoint::LoadOptions{});
    EXPECT_TRUE(assembled.ok()) << assembled.status();
    return new checkpoint::ClipWeights(std::move(*assembled));
  }();
  return *weights;
}

TEST(RealShapeHeadsTest, VisionWithTwelveHeadsMatchesThePerHeadTranscription) {
  const checkpoint::ClipWeights& weights = VitB16Weights();
  ASSERT_EQ(weights.config.vision_heads, 12);
  at::manual_seed(3);
  const at::Tensor image = at::randn({1, 3, 224, 224});
  const at::Tensor out = ItaclipVisionForward(weights, image);
  ASSERT_EQ(out.sizes(), (std::vector<int64_t>{1, 197, 512}));
  const at::Tensor expected = reference::ItaclipVision(weights, image[0]);
  EXPECT_LT((out[0] - expected).abs().max().item<double>(),
            1e-4 * expected.abs().max().item<double>());
}

TEST(RealShapeHeadsTest, TheComparisonSeesAWrongHeadSplit) {
  // Control: with the query rows of heads 0 and 1 of the last block swapped (so head 0's q-q map
  // is built from head 1's queries while its k-k map and values stay its own), the model
  // disagrees with the transcription of the unchanged weights by more than the tolerance above.
  checkpoint::ClipWeights swapped = VitB16Weights();
  checkpoint::ResidualBlockWeights& last = swapped.vision.blocks.back();
  last.in_proj_weight = last.in_proj_weight.clone();
  at::Tensor q_rows = last.in_proj_weight.narrow(0, 0, 128);
  q_rows.copy_(at::cat({q_rows.narrow(0, 64, 64), q_rows.narrow(0, 0, 64)}));
  at::manual_seed(3);
  const at::Tensor image = at::randn({1, 3, 224, 224});
  const at::Tensor changed = ItaclipVisionForward(swapped, image);
  const at::Tensor expected = reference::ItaclipVision(VitB16Weights(), image[0]);
  EXPECT_GT((changed[0] - expected).abs().max().item<double>(),
            1e-4 * expected.abs().max().item<double>());
}

TEST(RealShapeHeadsTest, TextWithEightHeadsMatchesTheFull77TokenTranscription) {
  const checkpoint::ClipWeights& weights = VitB16Weights();
  ASSERT_EQ(weights.config.text_heads, 8);
  ClipModel model(weights);
  const std::vector<std::vector<int32_t>> sequences = {
      {49406, 320, 1929, 539, 320, 2368, 269, 49407}, {49406, 1929, 49407}};
  absl::StatusOr<at::Tensor> out = model.EncodeTexts(sequences, TextEncodeOptions());
  ASSERT_TRUE(out.ok()) << out.status();
  for (size_t i = 0; i < sequences.size(); ++i) {
    const at::Tensor expected = reference::Text(weights, sequences[i]);
    EXPECT_TRUE(at::allclose((*out)[i], expected, 1e-4, 1e-4)) << "sequence " << i;
  }
}

}  // namespace
}  // namespace itaclip::clip
