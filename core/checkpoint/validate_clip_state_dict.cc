#include "core/checkpoint/validate_clip_state_dict.h"

#include <ATen/core/Tensor.h>
#include <ATen/ops/isfinite.h>

#include "absl/strings/str_cat.h"
#include "core/checkpoint/clip_state_dict_layout.h"
#include "core/checkpoint/shape_string.h"

namespace itaclip::checkpoint {

absl::Status ValidateClipStateDict(const StateDict& openai_named, const ClipConfig& config) {
  for (const ClipTensorSpec& spec : ClipStateDictLayout(config)) {
    auto it = openai_named.find(spec.key);
    if (it == openai_named.end() || !it->second.defined()) {
      if (!spec.required) continue;
      return absl::InvalidArgumentError(absl::StrCat("missing key ", spec.key));
    }
    const at::Tensor& tensor = it->second;
    if (tensor.sizes() != c10::IntArrayRef(spec.shape)) {
      return absl::InvalidArgumentError(absl::StrCat(spec.key, " has shape ",
                                                     ShapeString(tensor.sizes()), ", expected ",
                                                     ShapeString(spec.shape)));
    }
    if (!c10::isFloatingType(tensor.scalar_type())) {
      return absl::InvalidArgumentError(absl::StrCat(spec.key, " has dtype ",
                                                     c10::toString(tensor.scalar_type()),
                                                     ", expected a floating-point type"));
    }
    // A damaged file (a flipped exponent bit) or a diverged training run: a weight that is NaN
    // or infinite would make every score NaN without any error.
    if (!tensor.isfinite().all().item<bool>()) {
      return absl::InvalidArgumentError(
          absl::StrCat(spec.key, " holds NaN or infinite values (the file is damaged)"));
    }
  }
  return absl::OkStatus();
}

}  // namespace itaclip::checkpoint
