#include "client/input/read_file.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace itaclip::client {

absl::StatusOr<std::ifstream> OpenFileForReading(const std::string& path, absl::string_view what) {
  // std::ifstream opens a directory without complaint on Linux and then reads nothing; say so.
  struct stat info;
  if (::stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode)) {
    return absl::InvalidArgumentError(absl::StrCat(what, " ", path, " is a directory"));
  }
  errno = 0;
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    // The C library's reason ("No such file or directory", "Permission denied") when it left one.
    const int error = errno;
    const std::string message =
        absl::StrCat("cannot read ", what, " ", path,
                     error != 0 ? absl::StrCat(": ", std::strerror(error)) : std::string());
    if (error == EACCES) return absl::PermissionDeniedError(message);
    return absl::NotFoundError(message);
  }
  return file;
}

absl::StatusOr<std::string> ReadFileToString(const std::string& path, absl::string_view what) {
  absl::StatusOr<std::ifstream> file = OpenFileForReading(path, what);
  if (!file.ok()) return file.status();
  std::ostringstream bytes;
  bytes << file->rdbuf();
  if (file->bad())
    return absl::DataLossError(absl::StrCat("error while reading ", what, " ", path));
  return bytes.str();
}

}  // namespace itaclip::client
