// Checks a zip archive (a TorchScript checkpoint) before LibTorch reads it: every entry of the
// central directory has a matching local header, and its data matches the CRC-32 stored for it.
// LibTorch's own reader does not verify the checksums (a flipped byte in a tensor loads as a
// silently different weight) and is not written for hostile input; after this check its input
// is an archive exactly as its writer made it, or one whose damage lies in fields that no
// reader uses. Uses zlib's minizip (Debian's libminizip).
#ifndef ITACLIP_CORE_CHECKPOINT_ZIP_ARCHIVE_CHECK_H_
#define ITACLIP_CORE_CHECKPOINT_ZIP_ARCHIVE_CHECK_H_

#include <string>

#include "absl/status/status.h"

namespace itaclip::checkpoint {

// OK, or INVALID_ARGUMENT "zip archive <path>: <what is wrong>[ in entry <name>]" (not a zip
// file, truncated, a damaged directory or header, a checksum mismatch, no entries). Reads the
// whole file once. Thread-safe.
absl::Status CheckZipArchive(const std::string& path);

}  // namespace itaclip::checkpoint

#endif  // ITACLIP_CORE_CHECKPOINT_ZIP_ARCHIVE_CHECK_H_
