#include "core/checkpoint/hf_key_mapping.h"

#include <ATen/ATen.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "core/checkpoint/random_state_dict.h"

namespace itaclip::checkpoint {
namespace {

using ::testing::HasSubstr;

// Small but complete: 2 layers per tower, width 64, embed 16.
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

// The Hugging Face CLIPModel names, written out from transformers'
// modeling_clip.py.
std::vector<std::string> HfNames() {
  std::vector<std::string> names = {
      "vision_model.embeddings.class_embedding",
      "vision_model.embeddings.patch_embedding.weight",
      "vision_model.embeddings.position_embedding.weight",
      "vision_model.pre_layrnorm.weight",
      "vision_model.pre_layrnorm.bias",
      "vision_model.post_layernorm.weight",
      "vision_model.post_layernorm.bias",
      "visual_projection.weight",
      "text_model.embeddings.token_embedding.weight",
      "text_model.embeddings.position_embedding.weight",
      "text_model.final_layer_norm.weight",
      "text_model.final_layer_norm.bias",
      "text_projection.weight",
      "logit_scale",
  };
  for (const char* tower : {"vision_model", "text_model"}) {
    for (int i = 0; i < 2; ++i) {
      const std::string layer = absl::StrCat(tower, ".encoder.layers.", i, ".");
      for (const char* part :
           {"self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.out_proj",
            "layer_norm1", "layer_norm2", "mlp.fc1", "mlp.fc2"}) {
        names.push_back(absl::StrCat(layer, part, ".weight"));
        names.push_back(absl::StrCat(layer, part, ".bias"));
      }
    }
  }
  return names;
}

TEST(HfKeyMappingTest, OpenAiToHuggingFaceProducesExactlyTheHfNames) {
  const StateDict hf = OpenAiToHuggingFace(MakeRandomClipStateDict(SmallConfig(), 1));
  std::vector<std::string> keys;
  for (const auto& [key, tensor] : hf) keys.push_back(key);
  EXPECT_THAT(keys, ::testing::UnorderedElementsAreArray(HfNames()));
}

TEST(HfKeyMappingTest, ConcatenatesQKVIntoInProjRows) {
  StateDict hf = OpenAiToHuggingFace(MakeRandomClipStateDict(SmallConfig(), 1));
  const std::string layer = "vision_model.encoder.layers.1.self_attn.";
  hf[layer + "q_proj.weight"] = at::full({64, 64}, 1.0f);
  hf[layer + "k_proj.weight"] = at::full({64, 64}, 2.0f);
  hf[layer + "v_proj.weight"] = at::full({64, 64}, 3.0f);
  hf[layer + "q_proj.bias"] = at::full({64}, 10.0f);
  hf[layer + "k_proj.bias"] = at::full({64}, 20.0f);
  hf[layer + "v_proj.bias"] = at::full({64}, 30.0f);

  const absl::StatusOr<StateDict> openai = HuggingFaceToOpenAi(hf);
  ASSERT_TRUE(openai.ok()) << openai.status();
  const at::Tensor w = openai->at("visual.transformer.resblocks.1.attn.in_proj_weight");
  const at::Tensor b = openai->at("visual.transformer.resblocks.1.attn.in_proj_bias");
  ASSERT_EQ(w.sizes().vec(), (std::vector<int64_t>{192, 64}));
  ASSERT_EQ(b.sizes().vec(), (std::vector<int64_t>{192}));
  for (int64_t row = 0; row < 192; ++row) {
    const float expected = static_cast<float>(row / 64 + 1);  // rows 0..63 q, 64..127 k, 128..191 v
    ASSERT_TRUE(at::equal(w[row], at::full({64}, expected))) << "row " << row;
    ASSERT_EQ(b[row].item<float>(), 10 * expected) << "row " << row;
  }
}

TEST(HfKeyMappingTest, TransposesBothProjections) {
  StateDict hf = OpenAiToHuggingFace(MakeRandomClipStateDict(SmallConfig(), 1));
  // nn.Linear layout [embed 16, width 64]: element (e, w) = 64 e + w.
  hf["visual_projection.weight"] = at::arange(16 * 64, at::kFloat).reshape({16, 64});
  hf["text_projection.weight"] = -at::arange(16 * 64, at::kFloat).reshape({16, 64});
  const absl::StatusOr<StateDict> openai = HuggingFaceToOpenAi(hf);
  ASSERT_TRUE(openai.ok()) << openai.status();
  const at::Tensor proj = openai->at("visual.proj");
  const at::Tensor text_projection = openai->at("text_projection");
  ASSERT_EQ(proj.sizes().vec(), (std::vector<int64_t>{64, 16}));
  EXPECT_TRUE(proj.is_contiguous());
  for (int64_t w : {0, 1, 63}) {
    for (int64_t e : {0, 5, 15}) {
      EXPECT_EQ(proj[w][e].item<float>(), static_cast<float>(64 * e + w));
      EXPECT_EQ(text_projection[w][e].item<float>(), -static_cast<float>(64 * e + w));
    }
  }
}

TEST(HfKeyMappingTest, RoundTripRestoresEveryOpenAiTensor) {
  const StateDict original = MakeRandomClipStateDict(SmallConfig(), 5);
  StateDict hf = OpenAiToHuggingFace(original);
  // Hugging Face files carry int64 position_ids buffers, which the mapping
  // ignores.
  hf["vision_model.embeddings.position_ids"] = at::arange(10).reshape({1, 10});
  hf["text_model.embeddings.position_ids"] = at::arange(8).reshape({1, 8});
  const absl::StatusOr<StateDict> back = HuggingFaceToOpenAi(hf);
  ASSERT_TRUE(back.ok()) << back.status();
  ASSERT_EQ(back->size(), original.size());
  for (const auto& [key, tensor] : original) {
    ASSERT_EQ(back->count(key), 1u) << key;
    EXPECT_TRUE(at::equal(back->at(key), tensor)) << key;
  }
}

TEST(HfKeyMappingTest, MissingKeysAreNamed) {
  const StateDict complete = OpenAiToHuggingFace(MakeRandomClipStateDict(SmallConfig(), 1));
  for (const char* key : {"vision_model.post_layernorm.bias", "text_projection.weight",
                          "text_model.encoder.layers.0.self_attn.v_proj.weight",
                          "vision_model.encoder.layers.1.mlp.fc2.bias"}) {
    StateDict hf = complete;
    hf.erase(key);
    const absl::StatusOr<StateDict> openai = HuggingFaceToOpenAi(hf);
    ASSERT_FALSE(openai.ok()) << key;
    EXPECT_EQ(openai.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(openai.status().message(), absl::StrCat("missing Hugging Face key ", key));
  }
  StateDict hf = complete;
  hf.erase("logit_scale");  // optional
  EXPECT_TRUE(HuggingFaceToOpenAi(hf).ok());
}

TEST(HfKeyMappingTest, MismatchedQkvAndMalformedLayerKeys) {
  const StateDict complete = OpenAiToHuggingFace(MakeRandomClipStateDict(SmallConfig(), 1));
  StateDict hf = complete;
  hf["text_model.encoder.layers.1.self_attn.k_proj.weight"] = at::zeros({32, 64});
  absl::StatusOr<StateDict> openai = HuggingFaceToOpenAi(hf);
  ASSERT_FALSE(openai.ok());
  EXPECT_THAT(std::string(openai.status().message()),
              HasSubstr("text_model.encoder.layers.1.self_attn.k_proj.weight "
                        "has shape [32, 64], "
                        "expected [64, 64]"));
  hf = complete;
  hf["vision_model.encoder.layers.x.mlp.fc1.bias"] = at::zeros({4});
  openai = HuggingFaceToOpenAi(hf);
  ASSERT_FALSE(openai.ok());
  EXPECT_THAT(std::string(openai.status().message()), HasSubstr("malformed layer key"));
}

}  // namespace
}  // namespace itaclip::checkpoint
