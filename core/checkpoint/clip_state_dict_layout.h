// Every key of an OpenAI CLIP state dict, with its shape for a given
// architecture and its precision group. The single list that validation,
// assembly and the random test weights agree on.
#ifndef ITACLIP_CORE_CHECKPOINT_CLIP_STATE_DICT_LAYOUT_H_
#define ITACLIP_CORE_CHECKPOINT_CLIP_STATE_DICT_LAYOUT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "core/checkpoint/clip_config.h"

namespace itaclip::checkpoint {

// How CLIP's convert_weights treats a tensor.
enum class PrecisionGroup {
  kMatrix,   // conv1, attention and MLP weights and biases, proj,
             // text_projection: compute dtype
  kFloat32,  // LayerNorm parameters, class/positional/token embeddings: always
             // fp32
};

struct ClipTensorSpec {
  std::string key;             // OpenAI state-dict name, e.g.
                               // "visual.transformer.resblocks.0.ln_1.weight"
  std::vector<int64_t> shape;  // e.g. {768}; {} for the scalar logit_scale
  PrecisionGroup group = PrecisionGroup::kFloat32;
  bool required = true;  // false only for logit_scale, which ITACLIP does not use
};

// The full list for `config`, vision keys first, then text keys, then
// logit_scale. Thread-safe.
std::vector<ClipTensorSpec> ClipStateDictLayout(const ClipConfig& config);

}  // namespace itaclip::checkpoint

#endif  // ITACLIP_CORE_CHECKPOINT_CLIP_STATE_DICT_LAYOUT_H_
