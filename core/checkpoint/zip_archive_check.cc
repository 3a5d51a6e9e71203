#include "core/checkpoint/zip_archive_check.h"

#include <minizip/unzip.h>

#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"

namespace itaclip::checkpoint {
namespace {

struct UnzCloser {
  void operator()(void* zip) const { unzClose(zip); }
};

std::string ErrorText(int code) {
  switch (code) {
    case UNZ_CRCERROR:
      return "its data does not match its CRC-32 (the file is damaged)";
    case UNZ_BADZIPFILE:
      return "damaged zip structure";
    case UNZ_ERRNO:
      return "read error";
    case UNZ_INTERNALERROR:
      return "damaged zip structure (internal error)";
    default:
      return absl::StrCat("damaged zip structure (minizip error ", code, ")");
  }
}

}  // namespace

absl::Status CheckZipArchive(const std::string& path) {
  const std::string what = absl::StrCat("zip archive ", path);
  std::unique_ptr<void, UnzCloser> zip(unzOpen64(path.c_str()));
  if (zip == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        what, ": not a readable zip file (truncated, or its central directory is damaged)"));
  }
  unz_global_info64 global;
  if (const int code = unzGetGlobalInfo64(zip.get(), &global); code != UNZ_OK) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": ", ErrorText(code)));
  }
  if (global.number_entry == 0) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": has no entries"));
  }
  std::vector<char> buffer(1 << 20);
  uint64_t entries = 0;
  for (int code = unzGoToFirstFile(zip.get()); code != UNZ_END_OF_LIST_OF_FILE;
       code = unzGoToNextFile(zip.get())) {
    if (code != UNZ_OK) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, ": ", ErrorText(code), " after ", entries, " entries"));
    }
    char name[512] = {};
    unz_file_info64 info;
    if (const int info_code =
            unzGetCurrentFileInfo64(zip.get(), &info, name, sizeof(name), nullptr, 0, nullptr, 0);
        info_code != UNZ_OK) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, ": ", ErrorText(info_code), " in entry ", entries));
    }
    const std::string entry = absl::StrCat(" in entry ", name);
    if (const int open_code = unzOpenCurrentFile(zip.get()); open_code != UNZ_OK) {
      return absl::InvalidArgumentError(absl::StrCat(what, ": ", ErrorText(open_code), entry));
    }
    uint64_t read_bytes = 0;
    int read;
    while ((read = unzReadCurrentFile(zip.get(), buffer.data(),
                                      static_cast<unsigned>(buffer.size()))) > 0) {
      read_bytes += static_cast<uint64_t>(read);
    }
    // unzCloseCurrentFile reports the CRC mismatch once all data was read.
    const int close_code = unzCloseCurrentFile(zip.get());
    if (read < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, ": ", read == UNZ_ERRNO ? "truncated" : ErrorText(read), entry));
    }
    if (read_bytes != info.uncompressed_size) {
      return absl::InvalidArgumentError(absl::StrCat(what, ": truncated", entry, " (", read_bytes,
                                                     " of ", info.uncompressed_size, " bytes)"));
    }
    if (close_code != UNZ_OK) {
      return absl::InvalidArgumentError(absl::StrCat(what, ": ", ErrorText(close_code), entry));
    }
    ++entries;
  }
  if (entries != global.number_entry) {
    return absl::InvalidArgumentError(absl::StrCat(
        what, ": the directory lists ", global.number_entry, " entries but holds ", entries));
  }
  return absl::OkStatus();
}

}  // namespace itaclip::checkpoint
