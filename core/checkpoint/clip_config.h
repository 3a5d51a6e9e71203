// The architecture of a CLIP checkpoint, read off its tensor shapes (as openai/CLIP build_model
// does).
#ifndef ITACLIP_CORE_CHECKPOINT_CLIP_CONFIG_H_
#define ITACLIP_CORE_CHECKPOINT_CLIP_CONFIG_H_

#include <cstdint>
#include <string>

namespace itaclip::checkpoint {

struct ClipConfig {
  // Vision tower.
  int64_t vision_width = 0;      // visual.conv1.weight dim 0 (768 for ViT-B/16)
  int64_t vision_layers = 0;     // number of visual.transformer.resblocks.*
  int64_t vision_heads = 0;      // vision_width / 64
  int64_t patch_size = 0;        // visual.conv1.weight dim 2 (16)
  int64_t grid_size = 0;         // sqrt(positional rows - 1) (14)
  int64_t image_resolution = 0;  // patch_size * grid_size (224)
  // Shared embedding space.
  int64_t embed_dim = 0;  // visual.proj dim 1 == text_projection dim 1 (512)
  // Text tower.
  int64_t text_width = 0;      // ln_final.weight (512)
  int64_t text_layers = 0;     // number of transformer.resblocks.*
  int64_t text_heads = 0;      // text_width / 64
  int64_t context_length = 0;  // positional_embedding dim 0 (77)
  int64_t vocab_size = 0;      // token_embedding.weight dim 0 (49408)

  // "ViT: width 768, 12 layers, 12 heads, patch 16, grid 14; text: ..." for logs and errors.
  std::string DebugString() const;
};

}  // namespace itaclip::checkpoint

#endif  // ITACLIP_CORE_CHECKPOINT_CLIP_CONFIG_H_
