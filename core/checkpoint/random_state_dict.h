// Deterministic random CLIP weights for tests, benchmarks and demos (no real
// checkpoint needed).
#ifndef ITACLIP_CORE_CHECKPOINT_RANDOM_STATE_DICT_H_
#define ITACLIP_CORE_CHECKPOINT_RANDOM_STATE_DICT_H_

#include <cstdint>

#include "core/checkpoint/clip_config.h"
#include "core/checkpoint/state_dict.h"

namespace itaclip::checkpoint {

// Every key of ClipStateDictLayout(config) (logit_scale included) with its
// shape, as fp32 CPU tensors, initialised like openai/CLIP's
// initialize_parameters so activations stay sane through the layers: token
// embedding N(0, 0.02), text positional N(0, 0.01); class/visual positional
// embeddings and proj N(0, width^-0.5); in_proj N(0, width^-0.5), out_proj and
// c_proj N(0, width^-0.5 (2 layers)^-0.5), c_fc N(0, (2 width)^-0.5),
// text_projection N(0, width^-0.5); conv1 U(-b, b) with b = (3 patch^2)^-0.5
// (PyTorch's default); biases N(0, 0.01) and LayerNorm weight 1 + N(0, 0.05),
// bias N(0, 0.05), so that every parameter matters; logit_scale = log(1/0.07).
// The values depend only on (seed, key, element index), through a counter-based
// generator rather than LibTorch's RNG, so they do not change with the LibTorch
// version or the thread count (only, in the last bit, with the C library's
// float log/sin/cos). Thread-safe; uses the ATen thread pool. Precondition: a
// valid config (positive sizes). Full ViT-B/16 size: 150M values, ~3 s on 2
// cores.
StateDict MakeRandomClipStateDict(const ClipConfig& config, uint64_t seed);

}  // namespace itaclip::checkpoint

#endif  // ITACLIP_CORE_CHECKPOINT_RANDOM_STATE_DICT_H_
