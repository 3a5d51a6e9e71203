#include "core/checkpoint/validate_clip_state_dict.h"

#include <ATen/ATen.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "core/checkpoint/known_clip_configs.h"
#include "core/checkpoint/random_state_dict.h"
#include "tests/testing/tiny_checkpoint.h"

namespace itaclip::checkpoint {
namespace {

using ::testing::HasSubstr;

std::string Message(const absl::Status& status) { return std::string(status.message()); }

TEST(ValidateClipStateDictTest, AcceptsACompleteDictWithExtraKeys) {
  const ClipConfig config = checkpoint::TinyClipConfig();
  StateDict dict = MakeRandomClipStateDict(config, 3);
  dict["text_model.embeddings.position_ids"] = at::arange(77);  // extra keys are ignored
  EXPECT_TRUE(ValidateClipStateDict(dict, config).ok());
  dict.erase("logit_scale");  // unused by ITACLIP, so optional
  EXPECT_TRUE(ValidateClipStateDict(dict, config).ok());
}

TEST(ValidateClipStateDictTest, NamesAMissingKey) {
  const ClipConfig config = checkpoint::TinyClipConfig();
  StateDict dict = MakeRandomClipStateDict(config, 3);
  dict.erase("visual.ln_post.bias");
  const absl::Status status = ValidateClipStateDict(dict, config);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Message(status), "missing key visual.ln_post.bias");
}

TEST(ValidateClipStateDictTest, NamesBothShapesOfAWrongShape) {
  const ClipConfig config = checkpoint::TinyClipConfig();  // vision width 64, embed 32
  StateDict dict = MakeRandomClipStateDict(config, 3);
  dict["visual.proj"] = at::zeros({64, 16});
  EXPECT_EQ(Message(ValidateClipStateDict(dict, config)),
            "visual.proj has shape [64, 16], expected [64, 32]");
  dict = MakeRandomClipStateDict(config, 3);
  dict["transformer.resblocks.7.mlp.c_fc.bias"] = at::zeros({64});
  EXPECT_EQ(Message(ValidateClipStateDict(dict, config)),
            "transformer.resblocks.7.mlp.c_fc.bias has shape [64], expected [256]");
  dict = MakeRandomClipStateDict(config, 3);
  dict["logit_scale"] = at::zeros({1});  // optional, but checked when present
  EXPECT_EQ(Message(ValidateClipStateDict(dict, config)), "logit_scale has shape [1], expected []");
}

TEST(ValidateClipStateDictTest, RejectsIntegerTensors) {
  const ClipConfig config = checkpoint::TinyClipConfig();
  StateDict dict = MakeRandomClipStateDict(config, 3);
  dict["ln_final.weight"] = at::zeros({64}, at::kLong);
  const absl::Status status = ValidateClipStateDict(dict, config);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(status), HasSubstr("ln_final.weight has dtype Long"));
}

}  // namespace
}  // namespace itaclip::checkpoint
