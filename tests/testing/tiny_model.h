// Tiny random CLIP models for tests, built through the real checkpoint loader.
#ifndef ITACLIP_TESTS_TESTING_TINY_MODEL_H_
#define ITACLIP_TESTS_TESTING_TINY_MODEL_H_

#include <cstdint>
#include <memory>
#include <string>

#include "core/checkpoint/clip_weights.h"
#include "core/clip/clip_model.h"

namespace itaclip::testing {

// The path of an OpenAI-named fp32 safetensors file of TinyClipConfig() random weights for
// `seed`, written under the build tree on first use.
std::string TinyCheckpointPath(uint64_t seed);

// Random weights of TinyClipConfig() (12 layers, widths 64, patch 16, grid 14), fp32, CPU,
// deterministic for a seed: written as an OpenAI-named safetensors file and loaded with LoadClip.
checkpoint::ClipWeights MakeTinyWeights(uint64_t seed);
std::unique_ptr<clip::ClipModel> MakeTinyModel(uint64_t seed);

}  // namespace itaclip::testing

#endif  // ITACLIP_TESTS_TESTING_TINY_MODEL_H_
