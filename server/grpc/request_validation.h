// The cheap checks of a Segment request, done on the gRPC thread before the call is admitted: an
// image and a vocabulary are present, the image's pixel count is within the limit (read from the
// encoded header or the raw size, before any decoding), and the preset and overrides give valid
// pipeline parameters.
#ifndef ITACLIP_SERVER_GRPC_REQUEST_VALIDATION_H_
#define ITACLIP_SERVER_GRPC_REQUEST_VALIDATION_H_

#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/pipeline/pipeline_params.h"
#include "itaclip/v1/segmentation_service.pb.h"
#include "server/config/limits.h"

namespace itaclip::server {

// INVALID_ARGUMENT for a missing or empty image, raw pixels of the wrong size or format, a missing
// vocabulary, an invalid inline vocabulary; RESOURCE_EXHAUSTED for an image over
// max_decoded_pixels.
absl::Status ValidateSegmentRequest(const v1::SegmentRequest& request, const Limits& limits);

// The preset named by the request (or `default_preset`) with the request's overrides applied.
// INVALID_ARGUMENT for an unknown preset (listing the known ones), an unknown key or bad value, or
// a text-side key (background_first, def_coefficient: those belong to the vocabulary).
absl::StatusOr<pipeline::PipelineParams> ResolvePipelineParams(
    const v1::SegmentRequest& request,
    const std::map<std::string, pipeline::PipelineParams>& presets,
    const std::string& default_preset);

}  // namespace itaclip::server

#endif  // ITACLIP_SERVER_GRPC_REQUEST_VALIDATION_H_
