// The per-image results of an evaluation, kept on disk so that an interrupted run resumes where it
// stopped: one small text file of IouCounts per image, in a folder named after a hash of every
// setting that can change a result, so that changed settings never reuse stale counts.
#ifndef ITACLIP_CLIENT_EVAL_RESULT_CACHE_H_
#define ITACLIP_CLIENT_EVAL_RESULT_CACHE_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/evaluation/iou_counts.h"

namespace itaclip::client {

// The text of one image's record:
//   itaclip-eval-counts 1
//   image <id>
//   classes <n>
//   intersect <n integers>
//   union <n integers>
//   pred <n integers>
//   label <n integers>
std::string FormatCountsRecord(absl::string_view image_id, const evaluation::IouCounts& counts);

// Parses a record. INVALID_ARGUMENT when it is malformed, belongs to another image or another
// class count, or its counts are inconsistent (evaluation::ValidateIouCounts).
absl::StatusOr<evaluation::IouCounts> ParseCountsRecord(absl::string_view text,
                                                        absl::string_view image_id,
                                                        int num_classes);

// Thread-safe: Lookup and Store touch only their image's file (written to a temporary name and
// renamed, so an interrupted write leaves no half record).
class ResultCache {
 public:
  // A cache that holds nothing (no --cache_dir): Lookup misses, Store does nothing.
  ResultCache() = default;

  // The folder `cache_dir`/<16 hex digits of StableHasher(settings_text)>, created if needed, with
  // `settings_text` written to settings.txt inside it (for people wondering what a folder holds).
  // PERMISSION_DENIED when the folder cannot be created or written.
  static absl::StatusOr<ResultCache> Open(const std::string& cache_dir,
                                          const std::string& settings_text);

  bool enabled() const { return !folder_.empty(); }
  const std::string& folder() const { return folder_; }
  const std::string& settings_key() const { return settings_key_; }

  // The stored counts of `image_id`, or nullopt when there are none. A record that does not parse
  // (a disk error, a hand edit) is a miss, and `warning` (when given) says why; the image is then
  // segmented again and the record rewritten.
  std::optional<evaluation::IouCounts> Lookup(const std::string& image_id, int num_classes,
                                              std::string* warning = nullptr) const;

  // Stores the counts of `image_id` (an id may contain '/': sub-folders are created).
  // PERMISSION_DENIED when the file cannot be written.
  absl::Status Store(const std::string& image_id, const evaluation::IouCounts& counts) const;

 private:
  std::string RecordPath(const std::string& image_id) const;

  std::string folder_;
  std::string settings_key_;
};

}  // namespace itaclip::client

#endif  // ITACLIP_CLIENT_EVAL_RESULT_CACHE_H_
