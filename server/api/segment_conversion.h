// The one seam between the Segment messages and the executor's domain types: a request becomes a
// SegmentCall (how to decode its image, its vocabulary, the pipeline parameters), and a result
// becomes the response (the label map and scores encoded as asked, names, counts, times). Nothing
// past it passes a SegmentRequest or a SegmentResponse.
#ifndef ITACLIP_SERVER_API_SEGMENT_CONVERSION_H_
#define ITACLIP_SERVER_API_SEGMENT_CONVERSION_H_

#include "absl/status/statusor.h"
#include "core/pipeline/pipeline_params.h"
#include "itaclip/v1/segmentation_service.pb.h"
#include "server/api/request_validation.h"
#include "server/config/limits.h"
#include "server/scheduling/segment_executor.h"

namespace itaclip::server {

// The call of a validated `request` (ValidateSegmentRequest, which gave `validated`), with its
// resolved parameters. `request` must outlive the call; `cancel` and `received` are left to the
// caller.
SegmentCall SegmentCallFrom(const v1::SegmentRequest& request, ValidatedSegment validated,
                            pipeline::PipelineParams params, const Limits& limits);

// The response to `request` from its call's result: the labels and scores encoded in the formats
// the request asks for (the encoding's time counts as post-processing). INTERNAL when encoding
// fails.
absl::StatusOr<v1::SegmentResponse> SegmentResponseFrom(SegmentResult result,
                                                        const v1::SegmentRequest& request);

}  // namespace itaclip::server

#endif  // ITACLIP_SERVER_API_SEGMENT_CONVERSION_H_
