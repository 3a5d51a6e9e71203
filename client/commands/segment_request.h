// The SegmentRequest that `segment` (remote) and `loadgen` send, built from the command line.
#ifndef ITACLIP_CLIENT_COMMANDS_SEGMENT_REQUEST_H_
#define ITACLIP_CLIENT_COMMANDS_SEGMENT_REQUEST_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "client/commands/vocabulary_input.h"
#include "itaclip/v1/segmentation_service.pb.h"

namespace itaclip::client {

// What to segment and how, as the command line gives it.
struct SegmentRequestOptions {
  std::string image;             // --image
  std::string raw_image_size;    // --raw_image_size: WIDTHxHEIGHT when the file is raw BGR pixels
  std::string vocabulary_id;     // --vocabulary: a registered vocabulary ...
  VocabularyOptions vocabulary;  // ... or an inline one
  std::string preset;            // --preset (empty: the server's default)
  std::vector<std::string> overrides;    // --set: key=value pieces
  bool raw_labels = false;               // --raw_labels
  std::string score_format = "float16";  // --score_format
};

// Puts each "key=value" of `settings` (the pieces of --set) into `overrides`, with the spaces
// around key and value dropped. The server checks keys and values against the preset syntax; this
// only checks the shape. INVALID_ARGUMENT for a piece without '=', an empty key or a key given
// twice.
absl::Status ParseOverrides(const std::vector<std::string>& settings,
                            google::protobuf::Map<std::string, std::string>* overrides);

// "float16" -> SCORE_FORMAT_FLOAT16, "float32" -> SCORE_FORMAT_FLOAT32; INVALID_ARGUMENT otherwise.
absl::StatusOr<v1::ScoreFormat> ParseScoreFormat(const std::string& name);

// A request from `options`: --image (sent as its encoded bytes; the server decodes it),
// --vocabulary ID or an inline vocabulary (--classes / --class_names, see vocabulary_input.h),
// --preset, --set, --raw_labels; scores in --score_format when `want_scores`. INVALID_ARGUMENT when
// --image is missing or empty, or when --vocabulary is combined with --classes / --class_names or
// neither is given; the image's read errors; the vocabulary parsers' errors.
// `pixels` as a raw_image of `size` ("WIDTHxHEIGHT") BGR pixels. INVALID_ARGUMENT for a malformed
// size or a byte count other than WIDTH*HEIGHT*3 (`path` names the file in that message).
absl::StatusOr<v1::RawImage> RawBgrImage(std::string pixels, const std::string& size,
                                         const std::string& path);

absl::StatusOr<v1::SegmentRequest> SegmentRequestFrom(const SegmentRequestOptions& options,
                                                      bool want_scores);

}  // namespace itaclip::client

#endif  // ITACLIP_CLIENT_COMMANDS_SEGMENT_REQUEST_H_
