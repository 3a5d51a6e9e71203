// Names, parsing and the per-device default of SelfSelfAttentionMode.
#include "core/clip/self_self_attention_mode.h"

#include "absl/strings/str_cat.h"

namespace itaclip::clip {

SelfSelfAttentionMode DefaultSelfSelfAttentionMode(c10::DeviceType device) {
  return device == c10::DeviceType::CUDA ? SelfSelfAttentionMode::kWeightedAttentions
                                         : SelfSelfAttentionMode::kMaterialized;
}

absl::string_view SelfSelfAttentionModeName(SelfSelfAttentionMode mode) {
  switch (mode) {
    case SelfSelfAttentionMode::kMaterialized:
      return "materialized";
    case SelfSelfAttentionMode::kWeightedAttentions:
      return "weighted";
  }
  return "unknown";
}

absl::StatusOr<SelfSelfAttentionMode> ParseSelfSelfAttentionMode(absl::string_view text) {
  for (SelfSelfAttentionMode mode :
       {SelfSelfAttentionMode::kMaterialized, SelfSelfAttentionMode::kWeightedAttentions}) {
    if (text == SelfSelfAttentionModeName(mode)) return mode;
  }
  return absl::InvalidArgumentError(absl::StrCat("unknown self-self attention mode \"", text,
                                                 "\"; expected materialized or weighted"));
}

}  // namespace itaclip::clip
