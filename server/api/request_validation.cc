#include "server/api/request_validation.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "core/common/status_macros.h"
#include "core/pipeline/preset_file.h"
#include "server/image/decode_image.h"
#include "server/image/image_header.h"
#include "server/vocabulary/vocabulary_proto.h"

namespace itaclip::server {
namespace {

absl::StatusOr<ImageSize> ValidateImage(const v1::SegmentRequest& request, const Limits& limits) {
  switch (request.image_case()) {
    case v1::SegmentRequest::kEncodedImage: {
      if (request.encoded_image().empty()) {
        return absl::InvalidArgumentError("encoded_image is empty");
      }
      absl::StatusOr<ImageHeader> header = ReadImageHeader(request.encoded_image());
      if (!header.ok()) return header.status();
      RETURN_IF_ERROR(CheckDecodedPixels(header->width, header->height, limits.max_decoded_pixels));
      return ImageSize{header->width, header->height};
    }
    case v1::SegmentRequest::kRawImage:
      // The buffer's length is as cheap to check as the size, so a malformed raw image is refused
      // here, before it takes a place, rather than on a worker.
      RETURN_IF_ERROR(ValidateRawImage(request.raw_image(), limits.max_decoded_pixels));
      return ImageSize{request.raw_image().width(), request.raw_image().height()};
    default:
      return absl::InvalidArgumentError("the request has no image (encoded_image or raw_image)");
  }
}

// INVALID_ARGUMENT naming `what` and max_parameter_bytes when `text` is longer.
absl::Status CheckParameterBytes(const std::string& what, const std::string& text,
                                 const Limits& limits) {
  if (static_cast<int64_t>(text.size()) <= limits.max_parameter_bytes) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrFormat("%s is %d bytes; the limit (max_parameter_bytes) is %d", what, text.size(),
                      limits.max_parameter_bytes));
}

absl::Status ValidateParameters(const v1::SegmentRequest& request, const Limits& limits) {
  RETURN_IF_ERROR(CheckParameterBytes("preset", request.preset(), limits));
  if (request.overrides_size() > limits.max_overrides) {
    return absl::InvalidArgumentError(
        absl::StrFormat("the request has %d overrides; the limit (max_overrides) is %d",
                        request.overrides_size(), limits.max_overrides));
  }
  for (const auto& [key, value] : request.overrides()) {
    RETURN_IF_ERROR(CheckParameterBytes("an override key", key, limits));
    // The key is short now, so the message may name it.
    RETURN_IF_ERROR(
        CheckParameterBytes(absl::StrCat("the value of override '", key, "'"), value, limits));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ValidatedSegment> ValidateSegmentRequest(const v1::SegmentRequest& request,
                                                        const Limits& limits) {
  ValidatedSegment validated;
  ASSIGN_OR_RETURN(validated.image, ValidateImage(request, limits));
  RETURN_IF_ERROR(ValidateParameters(request, limits));
  switch (request.vocabulary_ref_case()) {
    case v1::SegmentRequest::kVocabularyId:
      if (request.vocabulary_id().empty()) {
        return absl::InvalidArgumentError("vocabulary_id is empty");
      }
      return validated;
    case v1::SegmentRequest::kInlineVocabulary:
      validated.inline_vocabulary = VocabularyFromProto(request.inline_vocabulary());
      RETURN_IF_ERROR(ValidateVocabulary(*validated.inline_vocabulary, limits));
      return validated;
    default:
      return absl::InvalidArgumentError(
          "the request has no vocabulary (vocabulary_id or inline_vocabulary)");
  }
}

absl::StatusOr<Vocabulary> ValidateRegisterRequest(const v1::RegisterClassesRequest& request,
                                                   const Limits& limits) {
  if (static_cast<int64_t>(request.display_name().size()) > limits.max_display_name_bytes) {
    return absl::InvalidArgumentError(
        absl::StrFormat("display_name is %d bytes; the limit (max_display_name_bytes) is %d",
                        request.display_name().size(), limits.max_display_name_bytes));
  }
  Vocabulary vocabulary = VocabularyFromProto(request.vocabulary());
  RETURN_IF_ERROR(ValidateVocabulary(vocabulary, limits));
  return vocabulary;
}

absl::StatusOr<pipeline::PipelineParams> ResolvePipelineParams(
    const v1::SegmentRequest& request,
    const std::map<std::string, pipeline::PipelineParams>& presets,
    const std::string& default_preset, const Limits& limits) {
  const std::string& name = request.preset().empty() ? default_preset : request.preset();
  auto it = presets.find(name);
  if (it == presets.end()) {
    std::vector<std::string> known;
    for (const auto& [known_name, params] : presets) known.push_back(known_name);
    return absl::InvalidArgumentError(
        absl::StrCat("unknown preset '", name, "'; this server has: ", absl::StrJoin(known, ", ")));
  }
  pipeline::PipelineParams params = it->second;
  // A protobuf map has no order; sort (std::map) so that the first error reported is stable.
  const std::map<std::string, std::string> overrides(request.overrides().begin(),
                                                     request.overrides().end());
  for (const auto& [key, value] : overrides) {
    if (key == "background_first" || key == "def_coefficient") {
      return absl::InvalidArgumentError(absl::StrCat(
          "override '", key,
          "' is a property of the vocabulary (background_first, text_params.description_weight), "
          "not of the request"));
    }
    // Key and value arrive apart: set them directly rather than joining them into "key=value"
    // for pipeline::ApplyOverrides to split again. `params` is a copy; an error leaves no trace.
    if (absl::Status status = pipeline::ApplyOverride(params, key, value); !status.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("override '", key, "': ", status.message()));
    }
  }
  if (static_cast<int64_t>(params.pamr_dilations.size()) > limits.max_list_values) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "override 'pamr_dilations' has %d values; the limit (max_list_values) is %d",
        params.pamr_dilations.size(), limits.max_list_values));
  }
  if (absl::Status status = pipeline::ValidateParams(params); !status.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("after overrides: ", status.message()));
  }
  return params;
}

}  // namespace itaclip::server
