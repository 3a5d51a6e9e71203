// Writes a state dict as a safetensors file.
#ifndef ITACLIP_CORE_CHECKPOINT_SAFETENSORS_WRITER_H_
#define ITACLIP_CORE_CHECKPOINT_SAFETENSORS_WRITER_H_

#include <string>

#include "absl/status/status.h"
#include "core/checkpoint/state_dict.h"

namespace itaclip::checkpoint {

// Writes `tensors` (F16, BF16 or F32, any device and layout) to `path`,
// replacing any file there, in the layout of the reference implementation: an
// 8-byte little-endian header length, a compact JSON header with
// "__metadata__": {"format": "pt"} (which transformers requires) and the
// tensors in sorted key order, padded with spaces so the data section starts
// 8-byte aligned, then the tensor bytes back to back in the same order.
// Thread-safe for distinct paths. Errors: INVALID_ARGUMENT for an undefined
// tensor, another dtype (naming the tensor) or the reserved name
// "__metadata__"; INTERNAL when the file cannot be written.
absl::Status WriteSafetensors(const StateDict& tensors, const std::string& path);

}  // namespace itaclip::checkpoint

#endif  // ITACLIP_CORE_CHECKPOINT_SAFETENSORS_WRITER_H_
