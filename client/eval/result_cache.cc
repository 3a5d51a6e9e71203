#include "client/eval/result_cache.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <system_error>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "client/eval/stable_hash.h"
#include "client/input/read_file.h"
#include "client/output/write_file.h"
#include "core/common/status_macros.h"

namespace itaclip::client {
namespace {

namespace fs = std::filesystem;

constexpr absl::string_view kRecordHeader = "itaclip-eval-counts 1";
constexpr absl::string_view kRecordSuffix = ".counts";

absl::StatusOr<std::vector<int64_t>> ParseCountLine(absl::string_view line, absl::string_view name,
                                                    int num_classes) {
  std::vector<absl::string_view> fields = absl::StrSplit(line, ' ', absl::SkipEmpty());
  if (fields.empty() || fields[0] != name) {
    return absl::InvalidArgumentError(absl::StrCat("expected a line \"", name, " ...\""));
  }
  if (static_cast<int>(fields.size()) != num_classes + 1) {
    return absl::InvalidArgumentError(absl::StrCat("the ", name, " line has ", fields.size() - 1,
                                                   " counts, expected ", num_classes));
  }
  std::vector<int64_t> counts;
  counts.reserve(num_classes);
  for (size_t i = 1; i < fields.size(); ++i) {
    int64_t value;
    if (!absl::SimpleAtoi(fields[i], &value)) {
      return absl::InvalidArgumentError(
          absl::StrCat("the ", name, " line has \"", fields[i], "\", not an integer"));
    }
    counts.push_back(value);
  }
  return counts;
}

// Writes `content` to `path` through a temporary file in the same folder and a rename, which is
// atomic: a reader (or a run interrupted mid-write) never sees half a record.
absl::Status WriteAtomically(const std::string& path, const std::string& content) {
  std::error_code error;
  fs::create_directories(fs::path(path).parent_path(), error);
  if (error) {
    return absl::PermissionDeniedError(
        absl::StrCat("cannot create the folder of ", path, ": ", error.message()));
  }
  const std::string temporary = absl::StrCat(path, ".tmp", ::getpid());
  RETURN_IF_ERROR(WriteBytes(temporary, content));
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    std::remove(temporary.c_str());
    return absl::PermissionDeniedError(absl::StrCat("cannot rename ", temporary, " to ", path));
  }
  return absl::OkStatus();
}

}  // namespace

std::string FormatCountsRecord(absl::string_view image_id, const evaluation::IouCounts& counts) {
  return absl::StrCat(kRecordHeader, "\nimage ", image_id, "\nclasses ", counts.num_classes(),
                      "\nintersect ", absl::StrJoin(counts.area_intersect, " "), "\nunion ",
                      absl::StrJoin(counts.area_union, " "), "\npred ",
                      absl::StrJoin(counts.area_pred_label, " "), "\nlabel ",
                      absl::StrJoin(counts.area_label, " "), "\n");
}

absl::StatusOr<evaluation::IouCounts> ParseCountsRecord(absl::string_view text,
                                                        absl::string_view image_id,
                                                        int num_classes) {
  std::vector<absl::string_view> lines = absl::StrSplit(text, '\n', absl::SkipEmpty());
  if (lines.size() != 7 || lines[0] != kRecordHeader) {
    return absl::InvalidArgumentError(absl::StrCat(
        "not a record of this version (expected 7 lines starting \"", kRecordHeader, "\")"));
  }
  if (lines[1] != absl::StrCat("image ", image_id)) {
    return absl::InvalidArgumentError(
        absl::StrCat("the record is for another image (\"", lines[1], "\")"));
  }
  if (lines[2] != absl::StrCat("classes ", num_classes)) {
    return absl::InvalidArgumentError(
        absl::StrCat("the record has \"", lines[2], "\", expected ", num_classes, " classes"));
  }
  evaluation::IouCounts counts;
  ASSIGN_OR_RETURN(counts.area_intersect, ParseCountLine(lines[3], "intersect", num_classes));
  ASSIGN_OR_RETURN(counts.area_union, ParseCountLine(lines[4], "union", num_classes));
  ASSIGN_OR_RETURN(counts.area_pred_label, ParseCountLine(lines[5], "pred", num_classes));
  ASSIGN_OR_RETURN(counts.area_label, ParseCountLine(lines[6], "label", num_classes));
  RETURN_IF_ERROR(evaluation::ValidateIouCounts(counts));
  return counts;
}

absl::StatusOr<ResultCache> ResultCache::Open(const std::string& cache_dir,
                                              const std::string& settings_text) {
  if (cache_dir.empty()) return absl::InvalidArgumentError("the cache folder is empty");
  ResultCache cache;
  cache.settings_key_ = StableHasher().Add(settings_text).HexDigest();
  cache.folder_ = (fs::path(cache_dir) / cache.settings_key_).string();
  RETURN_IF_ERROR(WriteAtomically(cache.folder_ + "/settings.txt", settings_text));
  return cache;
}

std::string ResultCache::RecordPath(const std::string& image_id) const {
  return absl::StrCat(folder_, "/", image_id, kRecordSuffix);
}

std::optional<evaluation::IouCounts> ResultCache::Lookup(const std::string& image_id,
                                                         int num_classes,
                                                         std::string* warning) const {
  if (!enabled()) return std::nullopt;
  const std::string path = RecordPath(image_id);
  std::error_code error;
  if (!fs::exists(path, error)) return std::nullopt;
  absl::StatusOr<std::string> text = ReadFileToString(path, "cached result");
  absl::StatusOr<evaluation::IouCounts> counts =
      text.ok() ? ParseCountsRecord(*text, image_id, num_classes)
                : absl::StatusOr<evaluation::IouCounts>(text.status());
  if (!counts.ok()) {
    if (warning != nullptr) {
      *warning = absl::StrCat("ignoring the cached result ", path, ": ", counts.status().message());
    }
    return std::nullopt;
  }
  return *std::move(counts);
}

absl::Status ResultCache::Store(const std::string& image_id,
                                const evaluation::IouCounts& counts) const {
  if (!enabled()) return absl::OkStatus();
  return WriteAtomically(RecordPath(image_id), FormatCountsRecord(image_id, counts));
}

}  // namespace itaclip::client
