#include "core/checkpoint/checkpoint_format.h"

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "core/checkpoint/checkpoint_file.h"
#include "core/checkpoint/safetensors_header.h"
#include "core/common/status_macros.h"

namespace itaclip::checkpoint {
namespace {

constexpr char kOpenAiMarkerKey[] = "visual.conv1.weight";
constexpr char kHuggingFaceMarkerKey[] = "vision_model.embeddings.patch_embedding.weight";

template <typename... Parts>
absl::Status NotClip(const std::string& path, const Parts&... parts) {
  return absl::InvalidArgumentError(
      absl::StrCat("checkpoint ", path, ": not a CLIP checkpoint: ", parts...));
}

}  // namespace

absl::string_view CheckpointFormatName(CheckpointFormat format) {
  switch (format) {
    case CheckpointFormat::kTorchScriptArchive:
      return "TorchScript archive";
    case CheckpointFormat::kOpenAiSafetensors:
      return "OpenAI safetensors";
    case CheckpointFormat::kHuggingFaceSafetensors:
      return "Hugging Face safetensors";
  }
  return "unknown format";
}

absl::StatusOr<CheckpointFormat> DetectCheckpointFormat(const std::string& path) {
  ASSIGN_OR_RETURN(const uint64_t size, RegularFileSize(path, "checkpoint"));
  if (size == 0) return NotClip(path, "the file is empty");
  ASSIGN_OR_RETURN(const std::string start,
                   ReadFileBytes(path, 0, std::min<uint64_t>(size, 9), "checkpoint"));
  if (start.compare(0, 4, "PK\x03\x04") == 0) return CheckpointFormat::kTorchScriptArchive;
  if (start.size() < 9) return NotClip(path, "the file has only ", size, " bytes");
  if (start[8] != '{') {
    return NotClip(path,
                   "unrecognised content: neither a zip archive (TorchScript, "
                   "starting \"PK\") "
                   "nor safetensors (an 8-byte length, then '{')");
  }

  ASSIGN_OR_RETURN(const SafetensorsHeader header, ReadSafetensorsHeader(path));
  bool openai = false;
  bool hugging_face = false;
  for (const SafetensorsTensorInfo& info : header.tensors) {
    openai = openai || info.name == kOpenAiMarkerKey;
    hugging_face = hugging_face || info.name == kHuggingFaceMarkerKey;
  }
  if (openai && hugging_face) {
    return NotClip(path, "safetensors file has both OpenAI (", kOpenAiMarkerKey,
                   ") and Hugging Face (", kHuggingFaceMarkerKey, ") keys");
  }
  if (openai) return CheckpointFormat::kOpenAiSafetensors;
  if (hugging_face) return CheckpointFormat::kHuggingFaceSafetensors;
  return NotClip(path, "safetensors file with ", header.tensors.size(), " tensors but neither ",
                 kOpenAiMarkerKey, " (OpenAI names) nor ", kHuggingFaceMarkerKey,
                 " (Hugging Face names)");
}

}  // namespace itaclip::checkpoint
