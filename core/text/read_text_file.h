// Reads a whole file into memory.
#ifndef ITACLIP_CORE_TEXT_READ_TEXT_FILE_H_
#define ITACLIP_CORE_TEXT_READ_TEXT_FILE_H_

#include <string>

#include "absl/status/statusor.h"

namespace itaclip::text {

// Returns the bytes of the file at `path`, unchanged (no newline or encoding
// conversion). Errors: NOT_FOUND if nothing exists at `path`; INVALID_ARGUMENT
// if it is a directory; PERMISSION_DENIED or UNKNOWN if it cannot be opened or
// read. Every message names the path. Thread-safe.
absl::StatusOr<std::string> ReadTextFile(const std::string& path);

}  // namespace itaclip::text

#endif  // ITACLIP_CORE_TEXT_READ_TEXT_FILE_H_
