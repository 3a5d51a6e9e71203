#include "client/commands/segment_request.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "client/commands/vocabulary_input.h"
#include "client/input/read_file.h"
#include "core/common/status_macros.h"

namespace itaclip::client {

absl::Status ParseOverrides(const std::vector<std::string>& settings,
                            google::protobuf::Map<std::string, std::string>* overrides) {
  for (const std::string& setting : settings) {
    const size_t equals = setting.find('=');
    if (equals == std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat("--set: \"", setting, "\" is not key=value"));
    }
    const std::string key(absl::StripAsciiWhitespace(absl::string_view(setting).substr(0, equals)));
    const std::string value(
        absl::StripAsciiWhitespace(absl::string_view(setting).substr(equals + 1)));
    if (key.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("--set: \"", setting, "\" has no key"));
    }
    if (!overrides->insert({key, value}).second) {
      return absl::InvalidArgumentError(absl::StrCat("--set: ", key, " is given twice"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::ScoreFormat> ParseScoreFormat(const std::string& name) {
  if (name == "float16") return v1::SCORE_FORMAT_FLOAT16;
  if (name == "float32") return v1::SCORE_FORMAT_FLOAT32;
  return absl::InvalidArgumentError(
      absl::StrCat("--score_format must be float16 or float32, not \"", name, "\""));
}

absl::StatusOr<v1::RawImage> RawBgrImage(std::string pixels, const std::string& size,
                                         const std::string& path) {
  const std::vector<std::string> parts = absl::StrSplit(size, 'x');
  int width = 0, height = 0;
  if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &width) ||
      !absl::SimpleAtoi(parts[1], &height) || width <= 0 || height <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("--raw_image_size must be WIDTHxHEIGHT (positive), not \"", size, "\""));
  }
  const int64_t expected = int64_t{width} * height * 3;
  if (static_cast<int64_t>(pixels.size()) != expected) {
    return absl::InvalidArgumentError(absl::StrCat("--image ", path, " has ", pixels.size(),
                                                   " bytes; ", width, "x", height,
                                                   " BGR pixels are ", expected));
  }
  v1::RawImage raw;
  raw.set_width(width);
  raw.set_height(height);
  raw.set_format(v1::RawImage::BGR);
  raw.set_pixels(std::move(pixels));
  return raw;
}

absl::StatusOr<v1::SegmentRequest> SegmentRequestFrom(const SegmentRequestOptions& options,
                                                      bool want_scores) {
  v1::SegmentRequest request;
  const std::string& image_path = options.image;
  if (image_path.empty()) return absl::InvalidArgumentError("--image is required");
  ASSIGN_OR_RETURN(std::string image_bytes, ReadFileToString(image_path, "image"));
  if (image_bytes.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("image ", image_path, " is empty"));
  }
  const std::string& raw_size = options.raw_image_size;
  if (raw_size.empty()) {
    request.set_encoded_image(std::move(image_bytes));
  } else {
    ASSIGN_OR_RETURN(*request.mutable_raw_image(),
                     RawBgrImage(std::move(image_bytes), raw_size, image_path));
  }

  const std::string& vocabulary_id = options.vocabulary_id;
  if (!vocabulary_id.empty() && options.vocabulary.has_classes()) {
    return absl::InvalidArgumentError(
        "give --vocabulary ID or an inline vocabulary (--classes / --class_names), not both");
  }
  if (!vocabulary_id.empty()) {
    request.set_vocabulary_id(vocabulary_id);
  } else if (options.vocabulary.has_classes()) {
    ASSIGN_OR_RETURN(*request.mutable_inline_vocabulary(),
                     VocabularyDefinitionFrom(options.vocabulary));
  } else {
    return absl::InvalidArgumentError(
        "--vocabulary ID, --classes FILE or --class_names LIST is required (or --model CKPT to "
        "segment offline)");
  }

  request.set_preset(options.preset);
  RETURN_IF_ERROR(ParseOverrides(options.overrides, request.mutable_overrides()));
  request.set_label_format(options.raw_labels ? v1::LABEL_FORMAT_RAW : v1::LABEL_FORMAT_PNG);
  if (want_scores) {
    ASSIGN_OR_RETURN(v1::ScoreFormat format, ParseScoreFormat(options.score_format));
    request.set_score_format(format);
  }
  return request;
}

}  // namespace itaclip::client
