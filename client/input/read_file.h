// Reads a whole local file (image, token, description file) with errors that name it.
#ifndef ITACLIP_CLIENT_INPUT_READ_FILE_H_
#define ITACLIP_CLIENT_INPUT_READ_FILE_H_

#include <fstream>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace itaclip::client {

// The bytes of `path`. `what` names the file in errors ("image", "token file"): PERMISSION_DENIED
// when it may not be read, NOT_FOUND when it cannot be opened otherwise, INVALID_ARGUMENT when it
// is a directory, DATA_LOSS when reading fails midway.
absl::StatusOr<std::string> ReadFileToString(const std::string& path, absl::string_view what);

// The same checks, for reading a large file in pieces: the opened stream.
absl::StatusOr<std::ifstream> OpenFileForReading(const std::string& path, absl::string_view what);

}  // namespace itaclip::client

#endif  // ITACLIP_CLIENT_INPUT_READ_FILE_H_
