#include "core/text/read_text_file.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <system_error>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace itaclip::text {

absl::StatusOr<std::string> ReadTextFile(const std::string& path) {
  std::error_code ec;
  const std::filesystem::file_status st = std::filesystem::status(path, ec);
  if (st.type() == std::filesystem::file_type::not_found) {
    return absl::NotFoundError(absl::StrCat("file not found: ", path));
  }
  if (st.type() == std::filesystem::file_type::directory) {
    return absl::InvalidArgumentError(absl::StrCat("is a directory, not a file: ", path));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int err = errno;
    if (err == EACCES) {
      return absl::PermissionDeniedError(absl::StrCat("cannot open ", path, ": permission denied"));
    }
    return absl::UnknownError(absl::StrCat("cannot open ", path, ": ", std::strerror(err)));
  }
  std::ostringstream content;
  content << in.rdbuf();
  // rdbuf() on an empty file sets failbit on the output stream, which is not an
  // error here.
  if (in.bad()) {
    return absl::UnknownError(absl::StrCat("error while reading ", path));
  }
  return content.str();
}

}  // namespace itaclip::text
