// Tells the three supported CLIP checkpoint formats apart by content (never by
// file name).
#ifndef ITACLIP_CORE_CHECKPOINT_CHECKPOINT_FORMAT_H_
#define ITACLIP_CORE_CHECKPOINT_CHECKPOINT_FORMAT_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace itaclip::checkpoint {

enum class CheckpointFormat {
  kTorchScriptArchive,      // zip archive (OpenAI's ViT-B-16.pt); its contents are
                            // checked on load
  kOpenAiSafetensors,       // safetensors with OpenAI state-dict names
                            // (visual.conv1.weight, ...)
  kHuggingFaceSafetensors,  // safetensors with Hugging Face CLIPModel names
                            // (vision_model.*, ...)
};

// "TorchScript archive", "OpenAI safetensors", "Hugging Face safetensors".
absl::string_view CheckpointFormatName(CheckpointFormat format);

// Reads the start of `path`: the zip magic "PK\x03\x04" means a TorchScript
// archive; an 8-byte little-endian length followed by '{' means safetensors,
// whose header is then parsed and checked (see ReadSafetensorsHeader) and whose
// key names decide OpenAI (visual.conv1.weight) or Hugging Face
// (vision_model.embeddings.patch_embedding.weight). Reads at most the header,
// never tensor data. Thread-safe. Errors: NOT_FOUND for a missing file;
// INVALID_ARGUMENT "checkpoint <path>: not a CLIP checkpoint: <reason>" for an
// empty file, unknown content or a safetensors file without CLIP keys, and the
// safetensors header errors (truncated, bad JSON, ...) as ReadSafetensorsHeader
// reports them.
absl::StatusOr<CheckpointFormat> DetectCheckpointFormat(const std::string& path);

}  // namespace itaclip::checkpoint

#endif  // ITACLIP_CORE_CHECKPOINT_CHECKPOINT_FORMAT_H_
