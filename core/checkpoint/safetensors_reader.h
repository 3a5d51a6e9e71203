// Reads every tensor of a safetensors file into CPU memory.
#ifndef ITACLIP_CORE_CHECKPOINT_SAFETENSORS_READER_H_
#define ITACLIP_CORE_CHECKPOINT_SAFETENSORS_READER_H_

#include <string>

#include "absl/status/statusor.h"
#include "core/checkpoint/state_dict.h"

namespace itaclip::checkpoint {

// Returns the tensors of `path` by their stored names, as contiguous CPU
// tensors in the stored dtype (F16, BF16, F32, F64, I64) that own their memory
// (nothing maps the file). The header is checked as ReadSafetensorsHeader
// describes before anything is allocated, so memory use is bounded by the file
// size. Thread-safe. Errors (messages start with "safetensors <path>: "):
// NOT_FOUND for a missing file; INVALID_ARGUMENT for a malformed, truncated or
// unsupported file; RESOURCE_EXHAUSTED when the tensors do not fit in host
// memory.
absl::StatusOr<StateDict> ReadSafetensors(const std::string& path);

}  // namespace itaclip::checkpoint

#endif  // ITACLIP_CORE_CHECKPOINT_SAFETENSORS_READER_H_
