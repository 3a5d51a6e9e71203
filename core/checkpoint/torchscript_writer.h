// Writes a state dict as a TorchScript archive whose parameter names are the
// state-dict keys.
#ifndef ITACLIP_CORE_CHECKPOINT_TORCHSCRIPT_WRITER_H_
#define ITACLIP_CORE_CHECKPOINT_TORCHSCRIPT_WRITER_H_

#include <string>

#include "absl/status/status.h"
#include "core/checkpoint/state_dict.h"

namespace itaclip::checkpoint {

// Builds a torch::jit::Module tree from the dotted keys, as OpenAI's archives
// are laid out: each key's last component is a parameter of the submodule named
// by the components before it ("visual"
// -> "conv1" holds "weight"; "visual" -> "transformer" -> "resblocks" -> "0" ->
// "attn" holds "in_proj_weight"; the root holds "positional_embedding",
// "logit_scale", ...), and saves it to `path` (replacing any file), so that
// ReadTorchScriptArchive and Python's torch.jit.load give back the same names
// and values. The modules have no methods (they only carry weights). Tensors
// are saved in their dtype, from the CPU. Thread-safe for distinct paths.
// Errors: INVALID_ARGUMENT for an undefined tensor, an empty key component
// ("a..b"), or a key that is both a parameter and a module prefix ("a" and
// "a.b"); INTERNAL when saving fails.
absl::Status WriteTorchScriptArchive(const StateDict& openai_named, const std::string& path);

}  // namespace itaclip::checkpoint

#endif  // ITACLIP_CORE_CHECKPOINT_TORCHSCRIPT_WRITER_H_
