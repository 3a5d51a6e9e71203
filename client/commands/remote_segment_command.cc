#include "client/commands/remote_segment_command.h"

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "client/commands/segment_request.h"
#include "client/connection/channel_factory.h"
#include "client/connection/grpc_status.h"
#include "client/input/read_image.h"
#include "client/output/decode_label_map.h"
#include "client/output/decode_scores.h"
#include "client/output/render_overlay.h"
#include "client/output/write_file.h"
#include "client/output/write_npy.h"
#include "core/common/status_macros.h"

namespace itaclip::client {
namespace {

void PrintSummary(const v1::SegmentResponse& response) {
  const v1::StageTimings& t = response.timings();
  std::fprintf(stderr,
               "timings: queued %.1f ms, preprocess %.1f ms, model %.1f ms, postprocess %.1f ms, "
               "total %.1f ms (%d crops, request %s)\n",
               t.queued_ms(), t.preprocess_ms(), t.model_ms(), t.postprocess_ms(), t.total_ms(),
               response.crops(), response.request_id().c_str());
  int64_t total = 0;
  for (const int64_t count : response.class_pixel_counts()) total += count;
  for (int i = 0; i < response.class_pixel_counts_size(); ++i) {
    const int64_t count = response.class_pixel_counts(i);
    if (count == 0) continue;
    const std::string name = i < response.class_names_size() ? response.class_names(i) : "?";
    std::fprintf(stderr, "%5d %-24s %10lld px %6.2f%%\n", i, name.c_str(),
                 static_cast<long long>(count), total > 0 ? 100.0 * count / total : 0.0);
  }
}

absl::Status WriteScores(const v1::SegmentResponse& response, const std::string& path) {
  if (!response.has_scores() || response.scores().format() == v1::SCORE_FORMAT_NONE) {
    return absl::InvalidArgumentError("the server sent no scores although they were asked for");
  }
  ASSIGN_OR_RETURN(at::Tensor scores, DecodeClassScores(response.scores()));
  return WriteNpyFloat32(scores, path);
}

absl::Status WriteOverlay(const v1::SegmentResponse& response, const cv::Mat& labels,
                          const cv::Mat& image, const std::string& path) {
  if (image.cols != labels.cols || image.rows != labels.rows) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "the label map is %dx%d but the image decodes here to %dx%d: cannot draw the overlay",
        labels.cols, labels.rows, image.cols, image.rows));
  }
  const std::vector<std::string> names(response.class_names().begin(),
                                       response.class_names().end());
  const std::vector<int64_t> counts(response.class_pixel_counts().begin(),
                                    response.class_pixel_counts().end());
  if (counts.size() != names.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the answer names ", names.size(), " classes but counts pixels of ", counts.size()));
  }
  RETURN_IF_ERROR(CheckLabelsBelow(labels, names.size()));
  return WriteImage(path, RenderOverlay(image, labels, names, counts));
}

}  // namespace

absl::Status RunRemoteSegmentCommand(const SegmentOptions& options) {
  const std::string& out_path = options.outputs.out;
  const std::string& scores_path = options.outputs.scores;
  const std::string& overlay_path = options.outputs.overlay;
  if (out_path.empty()) return absl::InvalidArgumentError("--out is required");
  ASSIGN_OR_RETURN(v1::SegmentRequest request,
                   SegmentRequestFrom(options.request, !scores_path.empty()));
  // Decoded before the call so that an overlay that cannot be drawn fails before the server works.
  std::optional<cv::Mat> image;
  if (!overlay_path.empty()) {
    ASSIGN_OR_RETURN(image, DecodeImageBytes(request.encoded_image(), options.request.image));
  }

  ASSIGN_OR_RETURN(ChannelFactory channels, ChannelFactory::Connect(options.connection));
  std::unique_ptr<v1::SegmentationService::Stub> stub = channels.NewSegmentationStub();
  std::unique_ptr<grpc::ClientContext> context = channels.NewCallContext();
  v1::SegmentResponse response;
  RETURN_IF_ERROR(FromGrpcStatus(stub->Segment(context.get(), request, &response)));

  // Decoded even when the PNG is written as received: a malformed answer fails here, not later.
  ASSIGN_OR_RETURN(cv::Mat labels, DecodeLabelMap(response.labels()));
  if (response.labels().format() == v1::LABEL_FORMAT_PNG) {
    RETURN_IF_ERROR(WriteBytes(out_path, response.labels().data()));
  } else {
    RETURN_IF_ERROR(WriteImage(out_path, labels));
  }
  if (!scores_path.empty()) RETURN_IF_ERROR(WriteScores(response, scores_path));
  if (image.has_value()) RETURN_IF_ERROR(WriteOverlay(response, labels, *image, overlay_path));
  if (!options.quiet) PrintSummary(response);
  return absl::OkStatus();
}

}  // namespace itaclip::client
