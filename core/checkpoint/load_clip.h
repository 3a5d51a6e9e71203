// Loads a CLIP checkpoint in any of the supported formats:
//   1. OpenAI TorchScript archives (ViT-B-16.pt and siblings): parameters read by name;
//   2. safetensors with OpenAI state-dict names (also open_clip's layout for OpenAI models);
//   3. Hugging Face CLIPModel safetensors (vision_model.*, text_model.*, separate q/k/v).
// The architecture is read off the tensor shapes; every key and shape is checked.
#ifndef ITACLIP_CORE_CHECKPOINT_LOAD_CLIP_H_
#define ITACLIP_CORE_CHECKPOINT_LOAD_CLIP_H_

#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

#include <string>

#include "absl/status/statusor.h"
#include "core/checkpoint/clip_weights.h"

namespace itaclip::checkpoint {

struct LoadOptions {
  c10::Device device = c10::Device(c10::kCPU);
  // Dtype of the matrix weights (conv1, linear layers, proj, text_projection). LayerNorm
  // parameters, embeddings and positional embeddings are always fp32, as in CLIP's convert_weights.
  c10::ScalarType dtype = c10::kFloat;
};

// Errors: NOT_FOUND (no file), INVALID_ARGUMENT (not a CLIP checkpoint, truncated, missing key,
// wrong shape; the message names the file and the problem).
absl::StatusOr<ClipWeights> LoadClip(const std::string& path, const LoadOptions& options);

}  // namespace itaclip::checkpoint

#endif  // ITACLIP_CORE_CHECKPOINT_LOAD_CLIP_H_
