// Small bounds-checked file access shared by the checkpoint readers.
#ifndef ITACLIP_CORE_CHECKPOINT_CHECKPOINT_FILE_H_
#define ITACLIP_CORE_CHECKPOINT_CHECKPOINT_FILE_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace itaclip::checkpoint {

// The size in bytes of the regular file at `path`. Errors (messages start with
// "<what> <path>: "): NOT_FOUND if nothing exists there, INVALID_ARGUMENT if it
// is not a regular file (a directory...), or cannot be inspected. Thread-safe.
absl::StatusOr<uint64_t> RegularFileSize(const std::string& path, absl::string_view what);

// Reads bytes [offset, offset + length) of `path` into the returned string. The
// caller has checked the range against the file size; a short read (file
// changed meanwhile) is INVALID_ARGUMENT. Errors name the file as above.
// Thread-safe.
absl::StatusOr<std::string> ReadFileBytes(const std::string& path, uint64_t offset, uint64_t length,
                                          absl::string_view what);

}  // namespace itaclip::checkpoint

#endif  // ITACLIP_CORE_CHECKPOINT_CHECKPOINT_FILE_H_
