// Turns a validated OpenAI-named state dict into ClipWeights on the target
// device and dtypes.
#ifndef ITACLIP_CORE_CHECKPOINT_ASSEMBLE_CLIP_WEIGHTS_H_
#define ITACLIP_CORE_CHECKPOINT_ASSEMBLE_CLIP_WEIGHTS_H_

#include "absl/status/statusor.h"
#include "core/checkpoint/clip_config.h"
#include "core/checkpoint/clip_weights.h"
#include "core/checkpoint/load_clip.h"
#include "core/checkpoint/state_dict.h"

namespace itaclip::checkpoint {

// Precondition: ValidateClipStateDict(openai_named, config) is OK. Matrix
// weights and their biases (conv1, in/out_proj, mlp c_fc/c_proj, proj,
// text_projection) become options.dtype; LayerNorm parameters, class_embedding,
// both positional embeddings and token_embedding become fp32 (CLIP's
// convert_weights); all on options.device and contiguous. A tensor already in
// the target dtype and device is shared with `openai_named`, not copied.
// Thread-safe. Errors: INVALID_ARGUMENT when options.dtype is not fp32, fp16 or
// bf16; INTERNAL / RESOURCE_EXHAUSTED from LibTorch (an unavailable device, out
// of memory).
absl::StatusOr<ClipWeights> AssembleClipWeights(const StateDict& openai_named,
                                                const ClipConfig& config,
                                                const LoadOptions& options);

}  // namespace itaclip::checkpoint

#endif  // ITACLIP_CORE_CHECKPOINT_ASSEMBLE_CLIP_WEIGHTS_H_
