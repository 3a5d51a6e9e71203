// A literal, loop-per-head transcription of spec §1.3-§1.6 for one image / one token sequence,
// written independently of core/clip so the production code can be checked against it.
#ifndef ITACLIP_TESTS_CORE_CLIP_REFERENCE_VIT_H_
#define ITACLIP_TESTS_CORE_CLIP_REFERENCE_VIT_H_

#include <ATen/ATen.h>

#include <cstdint>
#include <vector>

#include "core/checkpoint/clip_weights.h"

namespace itaclip::clip::reference {

// image: [3, h, w] with h, w multiples of the patch and the checkpoint's grid (no interpolation).
// Returns [1 + g·g, embed].
at::Tensor ItaclipVision(const checkpoint::ClipWeights& w, const at::Tensor& image);

// ids: SOT ... EOT; runs all 77 positions (zero padded) with the causal mask, pools at the argmax
// id.
at::Tensor Text(const checkpoint::ClipWeights& w, const std::vector<int32_t>& ids);

}  // namespace itaclip::clip::reference

#endif  // ITACLIP_TESTS_CORE_CLIP_REFERENCE_VIT_H_
