// The cheap checks of a Segment request, done on the transport's thread before the call is
// admitted: an image and a vocabulary are present, the image's pixel count is within the limit
// (read from the encoded header or the raw size, before any decoding), and the preset and overrides
// give valid pipeline parameters.
#ifndef ITACLIP_SERVER_API_REQUEST_VALIDATION_H_
#define ITACLIP_SERVER_API_REQUEST_VALIDATION_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/pipeline/pipeline_params.h"
#include "itaclip/v1/segmentation_service.pb.h"
#include "server/config/limits.h"
#include "server/vocabulary/vocabulary_definition.h"

namespace itaclip::server {

// The image's size as its header (or the raw image's fields) gives it, before any decoding.
struct ImageSize {
  int64_t width = 0, height = 0;
};

// What the checks of a Segment request found.
struct ValidatedSegment {
  ImageSize image;
  // The request's inline vocabulary in the domain's form, validated; none with a vocabulary_id.
  std::optional<Vocabulary> inline_vocabulary;
};

// INVALID_ARGUMENT for a missing or empty image, raw pixels of the wrong size or format, a missing
// vocabulary, an invalid inline vocabulary, more overrides than max_overrides, a preset name or an
// override key or value longer than max_parameter_bytes; RESOURCE_EXHAUSTED for an image over
// max_decoded_pixels.
absl::StatusOr<ValidatedSegment> ValidateSegmentRequest(const v1::SegmentRequest& request,
                                                        const Limits& limits);

// The request's vocabulary in the domain's form. INVALID_ARGUMENT for a display_name longer than
// max_display_name_bytes or an invalid vocabulary (ValidateVocabulary).
absl::StatusOr<Vocabulary> ValidateRegisterRequest(const v1::RegisterClassesRequest& request,
                                                   const Limits& limits);

// The preset named by the request (or `default_preset`) with the request's overrides applied.
// INVALID_ARGUMENT for an unknown preset (listing the known ones), an unknown key or bad value, or
// a text-side key (background_first, def_coefficient: those belong to the vocabulary), a list
// (pamr_dilations) longer than max_list_values.
absl::StatusOr<pipeline::PipelineParams> ResolvePipelineParams(
    const v1::SegmentRequest& request,
    const std::map<std::string, pipeline::PipelineParams>& presets,
    const std::string& default_preset, const Limits& limits);

}  // namespace itaclip::server

#endif  // ITACLIP_SERVER_API_REQUEST_VALIDATION_H_
