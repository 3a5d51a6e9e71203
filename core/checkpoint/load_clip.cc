#include "core/checkpoint/load_clip.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "core/checkpoint/assemble_clip_weights.h"
#include "core/checkpoint/checkpoint_format.h"
#include "core/checkpoint/hf_key_mapping.h"
#include "core/checkpoint/infer_clip_config.h"
#include "core/checkpoint/safetensors_reader.h"
#include "core/checkpoint/torchscript_reader.h"
#include "core/checkpoint/validate_clip_state_dict.h"
#include "core/common/status_macros.h"
#include "core/common/torch_error_guard.h"

namespace itaclip::checkpoint {
namespace {

// Puts "checkpoint <path>: " in front of errors that do not name the file
// themselves.
absl::Status InCheckpoint(const std::string& path, const absl::Status& status) {
  return absl::Status(status.code(), absl::StrCat("checkpoint ", path, ": ", status.message()));
}

absl::StatusOr<StateDict> ReadOpenAiNamed(const std::string& path, CheckpointFormat format) {
  switch (format) {
    case CheckpointFormat::kTorchScriptArchive:
      return ReadTorchScriptArchive(path);
    case CheckpointFormat::kOpenAiSafetensors:
      return ReadSafetensors(path);
    case CheckpointFormat::kHuggingFaceSafetensors: {
      ASSIGN_OR_RETURN(const StateDict hf, ReadSafetensors(path));
      absl::StatusOr<StateDict> openai = HuggingFaceToOpenAi(hf);
      if (!openai.ok()) return InCheckpoint(path, openai.status());
      return openai;
    }
  }
  return absl::InternalError(absl::StrCat("checkpoint ", path, ": unhandled format"));
}

absl::StatusOr<ClipWeights> Load(const std::string& path, const LoadOptions& options) {
  ASSIGN_OR_RETURN(const CheckpointFormat format, DetectCheckpointFormat(path));
  ASSIGN_OR_RETURN(const StateDict dict, ReadOpenAiNamed(path, format));
  absl::StatusOr<ClipConfig> config = InferClipConfig(dict);
  if (!config.ok()) return InCheckpoint(path, config.status());
  if (absl::Status valid = ValidateClipStateDict(dict, *config); !valid.ok()) {
    return InCheckpoint(path, valid);
  }
  absl::StatusOr<ClipWeights> weights = AssembleClipWeights(dict, *config, options);
  if (!weights.ok()) return InCheckpoint(path, weights.status());
  return weights;
}

}  // namespace

absl::StatusOr<ClipWeights> LoadClip(const std::string& path, const LoadOptions& options) {
  return GuardTorch(absl::StrCat("checkpoint ", path), [&] { return Load(path, options); });
}

}  // namespace itaclip::checkpoint
