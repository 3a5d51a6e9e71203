#include "server/grpc/request_validation.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/pipeline/preset_file.h"
#include "server/image/decode_image.h"
#include "server/image/image_header.h"
#include "server/vocabulary/vocabulary_definition.h"

namespace itaclip::server {
namespace {

absl::Status ValidateImage(const v1::SegmentRequest& request, const Limits& limits) {
  switch (request.image_case()) {
    case v1::SegmentRequest::kEncodedImage: {
      if (request.encoded_image().empty()) {
        return absl::InvalidArgumentError("encoded_image is empty");
      }
      absl::StatusOr<ImageHeader> header = ReadImageHeader(request.encoded_image());
      if (!header.ok()) return header.status();
      return CheckDecodedPixels(header->width, header->height, limits.max_decoded_pixels);
    }
    case v1::SegmentRequest::kRawImage:
      // The buffer's length is as cheap to check as the size, so a malformed raw image is refused
      // here, before it takes a place, rather than on a worker.
      return ValidateRawImage(request.raw_image(), limits.max_decoded_pixels);
    default:
      return absl::InvalidArgumentError("the request has no image (encoded_image or raw_image)");
  }
}

}  // namespace

absl::Status ValidateSegmentRequest(const v1::SegmentRequest& request, const Limits& limits) {
  if (absl::Status status = ValidateImage(request, limits); !status.ok()) return status;
  switch (request.vocabulary_ref_case()) {
    case v1::SegmentRequest::kVocabularyId:
      if (request.vocabulary_id().empty()) {
        return absl::InvalidArgumentError("vocabulary_id is empty");
      }
      return absl::OkStatus();
    case v1::SegmentRequest::kInlineVocabulary:
      return ValidateVocabularyDefinition(request.inline_vocabulary(), limits);
    default:
      return absl::InvalidArgumentError(
          "the request has no vocabulary (vocabulary_id or inline_vocabulary)");
  }
}

absl::StatusOr<pipeline::PipelineParams> ResolvePipelineParams(
    const v1::SegmentRequest& request,
    const std::map<std::string, pipeline::PipelineParams>& presets,
    const std::string& default_preset) {
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
  if (absl::Status status = pipeline::ValidateParams(params); !status.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("after overrides: ", status.message()));
  }
  return params;
}

}  // namespace itaclip::server
