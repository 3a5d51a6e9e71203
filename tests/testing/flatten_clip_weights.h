// Every tensor of ClipWeights under its OpenAI state-dict name, written out here independently of
// the loader (a field filled from the wrong key then shows up in the tests that compare them).
#ifndef ITACLIP_TESTS_TESTING_FLATTEN_CLIP_WEIGHTS_H_
#define ITACLIP_TESTS_TESTING_FLATTEN_CLIP_WEIGHTS_H_

#include <ATen/core/Tensor.h>

#include <string>
#include <utility>
#include <vector>

#include "core/checkpoint/clip_weights.h"

namespace itaclip::testing {

std::vector<std::pair<std::string, at::Tensor>> FlattenClipWeights(
    const checkpoint::ClipWeights& weights);

}  // namespace itaclip::testing

#endif  // ITACLIP_TESTS_TESTING_FLATTEN_CLIP_WEIGHTS_H_
