#include "tests/testing/flatten_clip_weights.h"

#include "absl/strings/str_cat.h"

namespace itaclip::testing {

std::vector<std::pair<std::string, at::Tensor>> FlattenClipWeights(
    const checkpoint::ClipWeights& w) {
  std::vector<std::pair<std::string, at::Tensor>> out = {
      {"visual.conv1.weight", w.vision.conv1_weight},
      {"visual.class_embedding", w.vision.class_embedding},
      {"visual.positional_embedding", w.vision.positional_embedding},
      {"visual.ln_pre.weight", w.vision.ln_pre_weight},
      {"visual.ln_pre.bias", w.vision.ln_pre_bias},
      {"visual.ln_post.weight", w.vision.ln_post_weight},
      {"visual.ln_post.bias", w.vision.ln_post_bias},
      {"visual.proj", w.vision.proj},
      {"token_embedding.weight", w.text.token_embedding},
      {"positional_embedding", w.text.positional_embedding},
      {"ln_final.weight", w.text.ln_final_weight},
      {"ln_final.bias", w.text.ln_final_bias},
      {"text_projection", w.text.text_projection},
  };
  auto add_blocks = [&](const std::string& prefix,
                        const std::vector<checkpoint::ResidualBlockWeights>& blocks) {
    for (size_t i = 0; i < blocks.size(); ++i) {
      const checkpoint::ResidualBlockWeights& b = blocks[i];
      const std::string p = absl::StrCat(prefix, i, ".");
      out.emplace_back(p + "ln_1.weight", b.ln_1_weight);
      out.emplace_back(p + "ln_1.bias", b.ln_1_bias);
      out.emplace_back(p + "attn.in_proj_weight", b.in_proj_weight);
      out.emplace_back(p + "attn.in_proj_bias", b.in_proj_bias);
      out.emplace_back(p + "attn.out_proj.weight", b.out_proj_weight);
      out.emplace_back(p + "attn.out_proj.bias", b.out_proj_bias);
      out.emplace_back(p + "ln_2.weight", b.ln_2_weight);
      out.emplace_back(p + "ln_2.bias", b.ln_2_bias);
      out.emplace_back(p + "mlp.c_fc.weight", b.fc_weight);
      out.emplace_back(p + "mlp.c_fc.bias", b.fc_bias);
      out.emplace_back(p + "mlp.c_proj.weight", b.proj_weight);
      out.emplace_back(p + "mlp.c_proj.bias", b.proj_bias);
    }
  };
  add_blocks("visual.transformer.resblocks.", w.vision.blocks);
  add_blocks("transformer.resblocks.", w.text.blocks);
  return out;
}

}  // namespace itaclip::testing
