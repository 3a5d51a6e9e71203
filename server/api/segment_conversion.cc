#include "server/api/segment_conversion.h"

#include <string>
#include <utility>

#include "absl/time/clock.h"
#include "core/common/status_macros.h"
#include "core/common/torch_error_guard.h"
#include "server/image/decode_image.h"
#include "server/image/encode_outputs.h"

namespace itaclip::server {

SegmentCall SegmentCallFrom(const v1::SegmentRequest& request, ValidatedSegment validated,
                            pipeline::PipelineParams params, const Limits& limits) {
  SegmentCall call;
  const int64_t max_pixels = limits.max_decoded_pixels;
  call.decode_image = [&request, max_pixels]() -> absl::StatusOr<cv::Mat> {
    if (request.has_raw_image()) return ImageFromRawPixels(request.raw_image(), max_pixels);
    return DecodeEncodedImage(request.encoded_image(), max_pixels);
  };
  if (request.has_vocabulary_id()) {
    call.vocabulary_id = request.vocabulary_id();
  } else {
    call.inline_vocabulary = std::move(validated.inline_vocabulary);
  }
  call.params = std::move(params);
  call.want_scores = request.score_format() != v1::SCORE_FORMAT_NONE;
  return call;
}

absl::StatusOr<v1::SegmentResponse> SegmentResponseFrom(SegmentResult result,
                                                        const v1::SegmentRequest& request) {
  const absl::Time start = absl::Now();
  v1::SegmentResponse response;
  response.set_vocabulary_id(std::move(result.vocabulary_id));
  const pipeline::Segmentation& segmentation = result.segmentation;
  RETURN_IF_ERROR(
      EncodeLabelMap(segmentation.labels, request.label_format(), response.mutable_labels()));
  if (request.score_format() != v1::SCORE_FORMAT_NONE) {
    RETURN_IF_ERROR(GuardTorch("encode scores", [&] {
      return EncodeScores(segmentation.scores, request.score_format(), response.mutable_scores());
    }));
  }
  for (std::string& name : result.class_names) response.add_class_names(std::move(name));
  for (int64_t count : segmentation.class_pixel_counts) response.add_class_pixel_counts(count);
  response.set_crops(static_cast<int32_t>(segmentation.crops));
  const double encode_ms = absl::ToDoubleMilliseconds(absl::Now() - start);
  v1::StageTimings& timings = *response.mutable_timings();
  timings.set_queued_ms(result.times.queued_ms);
  timings.set_preprocess_ms(result.times.preprocess_ms);
  timings.set_model_ms(result.times.model_ms);
  timings.set_postprocess_ms(result.times.postprocess_ms + encode_ms);
  timings.set_total_ms(result.times.total_ms + encode_ms);
  return response;
}

}  // namespace itaclip::server
