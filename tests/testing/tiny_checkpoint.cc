#include "tests/testing/tiny_checkpoint.h"

#include <ATen/ATen.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <system_error>

#include "absl/status/status.h"
#include "core/checkpoint/hf_key_mapping.h"
#include "core/checkpoint/known_clip_configs.h"
#include "core/checkpoint/random_state_dict.h"
#include "core/checkpoint/safetensors_writer.h"
#include "core/checkpoint/state_dict.h"
#include "core/checkpoint/torchscript_writer.h"

namespace itaclip::testing {
namespace {

void CheckOk(const absl::Status& status, const char* what) {
  if (!status.ok()) {
    std::fprintf(stderr, "WriteTinyCheckpoints: %s failed: %s\n", what, status.ToString().c_str());
    std::abort();
  }
}

}  // namespace

TinyCheckpointPaths WriteTinyCheckpoints(const std::string& dir,
                                         const checkpoint::ClipConfig& config, uint64_t seed,
                                         c10::ScalarType dtype) {
  if (dtype != c10::kHalf && dtype != c10::kFloat) {
    std::fprintf(stderr, "WriteTinyCheckpoints: dtype must be kHalf or kFloat\n");
    std::abort();
  }
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) {
    std::fprintf(stderr, "WriteTinyCheckpoints: cannot create %s: %s\n", dir.c_str(),
                 error.message().c_str());
    std::abort();
  }
  checkpoint::StateDict openai = checkpoint::MakeRandomClipStateDict(config, seed);
  for (auto& [key, tensor] : openai) tensor = tensor.to(dtype);

  TinyCheckpointPaths paths{dir + "/tiny.pt", dir + "/tiny-openai.safetensors",
                            dir + "/tiny-hf.safetensors"};
  CheckOk(checkpoint::WriteTorchScriptArchive(openai, paths.torchscript), "TorchScript archive");
  CheckOk(checkpoint::WriteSafetensors(openai, paths.openai_safetensors), "OpenAI safetensors");
  CheckOk(
      checkpoint::WriteSafetensors(checkpoint::OpenAiToHuggingFace(openai), paths.hf_safetensors),
      "Hugging Face safetensors");
  return paths;
}

}  // namespace itaclip::testing
