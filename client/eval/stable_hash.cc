#include "client/eval/stable_hash.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace itaclip::client {

StableHasher& StableHasher::Add(absl::string_view bytes) {
  constexpr uint64_t kPrime = 0x100000001b3ULL;
  uint64_t state = state_;
  for (const char c : bytes) {
    state ^= static_cast<uint8_t>(c);
    state *= kPrime;
  }
  state_ = state;
  return *this;
}

std::string StableHasher::HexDigest() const { return absl::StrFormat("%016x", state_); }

absl::StatusOr<std::string> HashFileContent(const std::string& path, absl::string_view what) {
  struct stat info;
  if (::stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode)) {
    return absl::InvalidArgumentError(absl::StrCat(what, " ", path, " is a directory"));
  }
  errno = 0;
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    const int error = errno;
    const std::string message =
        absl::StrCat("cannot read ", what, " ", path,
                     error != 0 ? absl::StrCat(": ", std::strerror(error)) : std::string());
    if (error == EACCES) return absl::PermissionDeniedError(message);
    return absl::NotFoundError(message);
  }
  StableHasher hasher;
  std::vector<char> block(size_t{1} << 20);
  while (file) {
    file.read(block.data(), static_cast<std::streamsize>(block.size()));
    hasher.Add(absl::string_view(block.data(), static_cast<size_t>(file.gcount())));
  }
  if (file.bad()) return absl::DataLossError(absl::StrCat("error while reading ", what, " ", path));
  return hasher.HexDigest();
}

}  // namespace itaclip::client
