// Reads the parameters of a TorchScript archive (OpenAI's ViT-B-16.pt and its
// siblings) by name.
#ifndef ITACLIP_CORE_CHECKPOINT_TORCHSCRIPT_READER_H_
#define ITACLIP_CORE_CHECKPOINT_TORCHSCRIPT_READER_H_

#include <string>

#include "absl/status/statusor.h"
#include "core/checkpoint/state_dict.h"

namespace itaclip::checkpoint {

// Loads the archive on the CPU with torch::jit::load and returns every
// parameter of the module tree under its dotted path ("visual.conv1.weight",
// "transformer.resblocks.0.attn.in_proj_weight", "logit_scale", ...), i.e. the
// names of the model's state dict, detached (no autograd), in the stored dtype
// (fp16 for OpenAI's archives). Buffers and non-tensor attributes are not
// returned. Loading compiles the archive's code, so it takes a few seconds for
// a full model. Thread-safe. Errors: NOT_FOUND for a missing file;
// INVALID_ARGUMENT "TorchScript archive <path>: not a loadable TorchScript
// archive: <reason>" for anything torch::jit::load refuses (a corrupt zip, or a
// plain torch.save state dict, which has no TorchScript code).
absl::StatusOr<StateDict> ReadTorchScriptArchive(const std::string& path);

}  // namespace itaclip::checkpoint

#endif  // ITACLIP_CORE_CHECKPOINT_TORCHSCRIPT_READER_H_
