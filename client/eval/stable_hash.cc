#include "client/eval/stable_hash.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "client/input/read_file.h"

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
  absl::StatusOr<std::ifstream> opened = OpenFileForReading(path, what);
  if (!opened.ok()) return opened.status();
  std::ifstream& file = *opened;
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
