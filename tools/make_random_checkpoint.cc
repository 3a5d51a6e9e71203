// Writes a CLIP checkpoint with random weights, in any of the formats the loader reads, for demos,
// benchmarks and tests where the real weights cannot be downloaded. The weights are meaningless:
// segmentations made with them exercise the code, not the method's accuracy.
//   make_random_checkpoint --out tiny.safetensors [--format openai-safetensors|hf-safetensors|
//                          torchscript] [--shape tiny|vit-b-16] [--dtype f16|f32] [--seed N]
#include <ATen/ATen.h>

#include <cstdio>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/status/status.h"
#include "core/checkpoint/hf_key_mapping.h"
#include "core/checkpoint/known_clip_configs.h"
#include "core/checkpoint/random_state_dict.h"
#include "core/checkpoint/safetensors_writer.h"
#include "core/checkpoint/torchscript_writer.h"
#include "core/common/status_macros.h"

ABSL_FLAG(std::string, out, "", "output file");
ABSL_FLAG(std::string, format, "openai-safetensors",
          "openai-safetensors, hf-safetensors or torchscript");
ABSL_FLAG(std::string, shape, "tiny", "tiny (widths 64, 12 layers) or vit-b-16 (the real shape)");
ABSL_FLAG(std::string, dtype, "f16", "f16 (as OpenAI ships it) or f32");
ABSL_FLAG(uint64_t, seed, 0, "random seed");

namespace itaclip {
namespace {

absl::Status Run() {
  const std::string out = absl::GetFlag(FLAGS_out);
  if (out.empty()) return absl::InvalidArgumentError("--out is required");
  ASSIGN_OR_RETURN(const checkpoint::ClipConfig config,
                   checkpoint::KnownClipConfig(absl::GetFlag(FLAGS_shape)));
  const std::string dtype = absl::GetFlag(FLAGS_dtype);
  if (dtype != "f16" && dtype != "f32")
    return absl::InvalidArgumentError("--dtype must be f16 or f32");
  checkpoint::StateDict state =
      checkpoint::MakeRandomClipStateDict(config, absl::GetFlag(FLAGS_seed));
  if (dtype == "f16") {
    for (auto& [name, tensor] : state) tensor = tensor.to(at::kHalf);
  }
  const std::string format = absl::GetFlag(FLAGS_format);
  if (format == "openai-safetensors") return checkpoint::WriteSafetensors(state, out);
  if (format == "hf-safetensors") {
    return checkpoint::WriteSafetensors(checkpoint::OpenAiToHuggingFace(state), out);
  }
  if (format == "torchscript") return checkpoint::WriteTorchScriptArchive(state, out);
  return absl::InvalidArgumentError(
      "--format must be openai-safetensors, hf-safetensors or torchscript");
}

}  // namespace
}  // namespace itaclip

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const absl::Status status = itaclip::Run();
  if (!status.ok()) {
    std::fprintf(stderr, "make_random_checkpoint: %s\n", std::string(status.message()).c_str());
    return 1;
  }
  return 0;
}
