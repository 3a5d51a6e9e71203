#include "core/checkpoint/clip_state_dict_layout.h"

#include "absl/strings/str_cat.h"

namespace itaclip::checkpoint {
namespace {

void AddBlocks(const std::string& prefix, int64_t layers, int64_t width,
               std::vector<ClipTensorSpec>& specs) {
  constexpr auto kMatrix = PrecisionGroup::kMatrix;
  constexpr auto kFloat32 = PrecisionGroup::kFloat32;
  for (int64_t i = 0; i < layers; ++i) {
    const std::string block = absl::StrCat(prefix, i, ".");
    specs.push_back({block + "ln_1.weight", {width}, kFloat32});
    specs.push_back({block + "ln_1.bias", {width}, kFloat32});
    specs.push_back({block + "attn.in_proj_weight", {3 * width, width}, kMatrix});
    specs.push_back({block + "attn.in_proj_bias", {3 * width}, kMatrix});
    specs.push_back({block + "attn.out_proj.weight", {width, width}, kMatrix});
    specs.push_back({block + "attn.out_proj.bias", {width}, kMatrix});
    specs.push_back({block + "ln_2.weight", {width}, kFloat32});
    specs.push_back({block + "ln_2.bias", {width}, kFloat32});
    specs.push_back({block + "mlp.c_fc.weight", {4 * width, width}, kMatrix});
    specs.push_back({block + "mlp.c_fc.bias", {4 * width}, kMatrix});
    specs.push_back({block + "mlp.c_proj.weight", {width, 4 * width}, kMatrix});
    specs.push_back({block + "mlp.c_proj.bias", {width}, kMatrix});
  }
}

}  // namespace

std::vector<ClipTensorSpec> ClipStateDictLayout(const ClipConfig& config) {
  constexpr auto kMatrix = PrecisionGroup::kMatrix;
  constexpr auto kFloat32 = PrecisionGroup::kFloat32;
  const int64_t vw = config.vision_width;
  const int64_t tw = config.text_width;
  const int64_t patch = config.patch_size;
  std::vector<ClipTensorSpec> specs;

  specs.push_back({"visual.class_embedding", {vw}, kFloat32});
  specs.push_back(
      {"visual.positional_embedding", {1 + config.grid_size * config.grid_size, vw}, kFloat32});
  specs.push_back({"visual.proj", {vw, config.embed_dim}, kMatrix});
  specs.push_back({"visual.conv1.weight", {vw, 3, patch, patch}, kMatrix});
  specs.push_back({"visual.ln_pre.weight", {vw}, kFloat32});
  specs.push_back({"visual.ln_pre.bias", {vw}, kFloat32});
  AddBlocks("visual.transformer.resblocks.", config.vision_layers, vw, specs);
  specs.push_back({"visual.ln_post.weight", {vw}, kFloat32});
  specs.push_back({"visual.ln_post.bias", {vw}, kFloat32});

  specs.push_back({"positional_embedding", {config.context_length, tw}, kFloat32});
  specs.push_back({"text_projection", {tw, config.embed_dim}, kMatrix});
  specs.push_back({"token_embedding.weight", {config.vocab_size, tw}, kFloat32});
  AddBlocks("transformer.resblocks.", config.text_layers, tw, specs);
  specs.push_back({"ln_final.weight", {tw}, kFloat32});
  specs.push_back({"ln_final.bias", {tw}, kFloat32});

  specs.push_back({"logit_scale", {}, kFloat32, /*required=*/false});
  return specs;
}

}  // namespace itaclip::checkpoint
