// How the ITACLIP vision tower evaluates its fused self-self attention (spec §1.3–1.5): with the
// [N, heads, L, L] maps materialised, or as a weighted sum of attentions that never keep them.
// Free of ATen so the pipeline's memory estimate and command-line tools can name a mode cheaply.
#ifndef ITACLIP_CORE_CLIP_SELF_SELF_ATTENTION_MODE_H_
#define ITACLIP_CORE_CLIP_SELF_SELF_ATTENTION_MODE_H_

#include <c10/core/DeviceType.h>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace itaclip::clip {

enum class SelfSelfAttentionMode {
  // Blocks 6, 7, 9 each build S(q)+S(k) ([N, heads, L, L]); their mean is fused with the last
  // block's map, which then multiplies v. The literal form of the spec.
  kMaterialized,
  // The last block's output is linear in the fused map, so fused·v is the weighted sum of 8
  // attentions softmax(x xᵀ/√d)·v, x ∈ {q_i, k_i}: blocks 6, 7, 9 keep only their q and k.
  kWeightedAttentions,
};

// kWeightedAttentions on CUDA: no [L, L] map at all (fused flash / memory-efficient attention).
// kMaterialized on the CPU, where the three maps cost less than eight attention calls (LibTorch
// 2.11's CPU attention kernel runs at 55-80 GFLOP/s against 110-120 for its GEMMs): measured 5%
// faster per image there (README, "Benchmark"), at 6% more peak memory.
SelfSelfAttentionMode DefaultSelfSelfAttentionMode(c10::DeviceType device);

// "materialized" or "weighted".
absl::string_view SelfSelfAttentionModeName(SelfSelfAttentionMode mode);

// Inverse of SelfSelfAttentionModeName; INVALID_ARGUMENT for any other text.
absl::StatusOr<SelfSelfAttentionMode> ParseSelfSelfAttentionMode(absl::string_view text);

}  // namespace itaclip::clip

#endif  // ITACLIP_CORE_CLIP_SELF_SELF_ATTENTION_MODE_H_
