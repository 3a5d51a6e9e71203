// The arithmetic of one ITACLIP ViT pass, for GFLOP/s figures next to the benchmark's times.
#ifndef ITACLIP_BENCH_VIT_FLOPS_H_
#define ITACLIP_BENCH_VIT_FLOPS_H_

#include <cstdint>

#include "core/checkpoint/clip_config.h"

namespace itaclip {

// Floating-point operations (2 per multiply-add) of the matrix products of one ITACLIP vision
// pass over a crop of crop_h×crop_w pixels: patch embedding, 11 standard blocks (q/k/v, scores,
// weighted values, out_proj, MLP), the last block's 8 self-product attentions, value and output
// projections (no MLP), and the projection to the embedding. Element-wise work (LayerNorm,
// softmax, activation, residual adds) is left out: it is a few percent of the count and is
// memory-bound. For ViT-B/16 at 224×224: 34.2 GFLOP (the spec's "about 17.6 GMAC" counted with
// the last block's MLP).
double VitFlopsPerPass(const checkpoint::ClipConfig& config, int64_t crop_h, int64_t crop_w);

}  // namespace itaclip

#endif  // ITACLIP_BENCH_VIT_FLOPS_H_
