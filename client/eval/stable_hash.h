// A hash that is the same in every process and on every machine (FNV-1a, 64 bits), for the keys of
// the evaluation cache: absl::Hash is seeded per process, and a cryptographic hash is not needed to
// tell settings apart.
#ifndef ITACLIP_CLIENT_EVAL_STABLE_HASH_H_
#define ITACLIP_CLIENT_EVAL_STABLE_HASH_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace itaclip::client {

// FNV-1a 64 (offset basis 0xcbf29ce484222325, prime 0x100000001b3) over the bytes added so far.
class StableHasher {
 public:
  // Hashes `bytes` as they are (so Add("ab") equals Add("a") then Add("b")).
  StableHasher& Add(absl::string_view bytes);
  uint64_t digest() const { return state_; }
  // 16 lower-case hex digits of digest().
  std::string HexDigest() const;

 private:
  uint64_t state_ = 0xcbf29ce484222325ULL;
};

// HexDigest of a file's whole content, read in blocks (a 600 MB checkpoint takes about a second).
// The read errors of client/input/read_file.h (NOT_FOUND, PERMISSION_DENIED, ...).
absl::StatusOr<std::string> HashFileContent(const std::string& path, absl::string_view what);

}  // namespace itaclip::client

#endif  // ITACLIP_CLIENT_EVAL_STABLE_HASH_H_
