// Tiny CLIP checkpoints in the three supported formats, written from the same
// random weights.
#ifndef ITACLIP_TESTS_TESTING_TINY_CHECKPOINT_H_
#define ITACLIP_TESTS_TESTING_TINY_CHECKPOINT_H_

#include <c10/core/ScalarType.h>

#include <cstdint>
#include <string>

#include "core/checkpoint/clip_config.h"

namespace itaclip::testing {

struct TinyCheckpointPaths {
  std::string torchscript;         // <dir>/tiny.pt: TorchScript archive, OpenAI names
  std::string openai_safetensors;  // <dir>/tiny-openai.safetensors
  std::string hf_safetensors;      // <dir>/tiny-hf.safetensors: Hugging Face
                                   // CLIPModel names
};

// Writes MakeRandomClipStateDict(config, seed), rounded to `dtype` (kHalf or
// kFloat), into `dir` (created if needed; existing files replaced) in the three
// formats. The three files hold bit-identical weights. Test code: aborts with a
// message on any failure. Not thread-safe for the same `dir`.
TinyCheckpointPaths WriteTinyCheckpoints(const std::string& dir,
                                         const checkpoint::ClipConfig& config, uint64_t seed,
                                         c10::ScalarType dtype);

}  // namespace itaclip::testing

#endif  // ITACLIP_TESTS_TESTING_TINY_CHECKPOINT_H_
