// Checks that an OpenAI-named state dict holds every CLIP tensor with the exact
// expected shape.
#ifndef ITACLIP_CORE_CHECKPOINT_VALIDATE_CLIP_STATE_DICT_H_
#define ITACLIP_CORE_CHECKPOINT_VALIDATE_CLIP_STATE_DICT_H_

#include "absl/status/status.h"
#include "core/checkpoint/clip_config.h"
#include "core/checkpoint/state_dict.h"

namespace itaclip::checkpoint {

// Checks every entry of ClipStateDictLayout(config): required keys must be
// present, and every present one must be a floating-point tensor of exactly the
// listed shape, and hold only finite values. Extra keys are allowed (TorchScript
// attributes, Hugging Face buffers). Thread-safe. Errors: INVALID_ARGUMENT for
// the first problem in layout order: "missing key visual.ln_post.bias",
// "visual.proj has shape [768, 256], expected [768, 512]", "visual.proj has
// dtype Long, expected a floating-point type" or "visual.proj holds NaN or
// infinite values (the file is damaged)".
absl::Status ValidateClipStateDict(const StateDict& openai_named, const ClipConfig& config);

}  // namespace itaclip::checkpoint

#endif  // ITACLIP_CORE_CHECKPOINT_VALIDATE_CLIP_STATE_DICT_H_
