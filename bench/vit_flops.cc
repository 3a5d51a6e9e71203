#include "bench/vit_flops.h"

namespace itaclip {

double VitFlopsPerPass(const checkpoint::ClipConfig& config, int64_t crop_h, int64_t crop_w) {
  const double patches = static_cast<double>(crop_h / config.patch_size) *
                         static_cast<double>(crop_w / config.patch_size);
  const double tokens = patches + 1, width = static_cast<double>(config.vision_width);
  const double patch_embedding = patches * width * 3.0 * config.patch_size * config.patch_size;
  // Per attention (all heads): scores q·kᵀ and their product with v, tokens² × width each.
  const double attention = 2 * tokens * tokens * width;
  const double standard_block = 3 * tokens * width * width     // q, k, v
                                + attention                    // softmax(q kᵀ/√d)·v
                                + tokens * width * width       // out_proj
                                + 8 * tokens * width * width;  // MLP: width → 4·width → width
  const double last_block = 3 * tokens * width * width         // q, k, v
                            + 8 * attention            // the weighted self-product attentions
                            + tokens * width * width;  // out_proj
  const double projection = tokens * width * static_cast<double>(config.embed_dim);
  const double macs = patch_embedding +
                      static_cast<double>(config.vision_layers - 1) * standard_block + last_block +
                      projection;
  return 2 * macs;
}

}  // namespace itaclip
