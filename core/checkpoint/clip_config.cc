#include "core/checkpoint/clip_config.h"

#include "absl/strings/str_cat.h"

namespace itaclip::checkpoint {

std::string ClipConfig::DebugString() const {
  return absl::StrCat("ViT: width ", vision_width, ", ", vision_layers, " layers, ", vision_heads,
                      " heads, patch ", patch_size, ", grid ", grid_size, " (", image_resolution,
                      " px); embed ", embed_dim, "; text: width ", text_width, ", ", text_layers,
                      " layers, ", text_heads, " heads, context ", context_length, ", vocab ",
                      vocab_size);
}

}  // namespace itaclip::checkpoint
