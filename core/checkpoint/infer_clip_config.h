// Reads a CLIP architecture off the tensor shapes of an OpenAI-named state
// dict.
#ifndef ITACLIP_CORE_CHECKPOINT_INFER_CLIP_CONFIG_H_
#define ITACLIP_CORE_CHECKPOINT_INFER_CLIP_CONFIG_H_

#include "absl/status/statusor.h"
#include "core/checkpoint/clip_config.h"
#include "core/checkpoint/state_dict.h"

namespace itaclip::checkpoint {

// Infers the architecture the way openai/CLIP's build_model does: widths from
// visual.conv1.weight and ln_final.weight, patch from the conv kernel, grid
// from the visual positional rows (minus CLS), embed_dim from text_projection,
// context and vocabulary from the text embeddings, heads = width / 64, layers =
// number of `visual.transformer.resblocks.N.` / `transformer.resblocks.N.`
// prefixes. Only shapes are read (no tensor data), so the tensors may be on any
// device or expanded views. Thread-safe (reads only). Errors: INVALID_ARGUMENT
// naming the key when a needed key is missing or has the wrong rank, a width is
// not a positive multiple of 64, the conv kernel is not square with 3 input
// channels, the positional grid is not square, or the layers are not numbered
// 0..n-1. Shapes of the other keys are not checked here (see
// ValidateClipStateDict).
absl::StatusOr<ClipConfig> InferClipConfig(const StateDict& openai_named);

}  // namespace itaclip::checkpoint

#endif  // ITACLIP_CORE_CHECKPOINT_INFER_CLIP_CONFIG_H_
