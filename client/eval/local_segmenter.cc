#include "client/eval/local_segmenter.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "client/input/read_image.h"
#include "core/common/status_macros.h"

namespace itaclip::client {

LocalSegmenter::LocalSegmenter(LocalSegmenterConfig config) : config_(std::move(config)) {}

absl::Status LocalSegmenter::Prepare() {
  if (segmenter_ != nullptr) return absl::OkStatus();
  const auto log = [this](const std::string& line) {
    if (config_.log) config_.log(line);
  };
  log(absl::StrCat("loading ", config_.bundle.checkpoint));
  ASSIGN_OR_RETURN(bundle_, pipeline::ModelBundle::Load(config_.bundle));
  log(absl::StrCat("model: ", bundle_->model->config().DebugString()));
  log(absl::StrCat("building text embeddings for ", config_.vocabulary.classes.size(), " classes"));
  ASSIGN_OR_RETURN(queries_,
                   bundle_->embedder->Embed(config_.vocabulary, config_.params.def_coefficient));
  pipeline::SegmenterOptions options;
  options.batch_memory_bytes = config_.batch_memory_bytes;
  segmenter_ = std::make_unique<pipeline::Segmenter>(*bundle_->model, options);
  return absl::OkStatus();
}

absl::StatusOr<cv::Mat> LocalSegmenter::Segment(const EvalSample& sample) {
  if (segmenter_ == nullptr) {
    return absl::FailedPreconditionError("LocalSegmenter::Segment before a successful Prepare");
  }
  ASSIGN_OR_RETURN(cv::Mat image, ReadImage(sample.image_path));
  ASSIGN_OR_RETURN(pipeline::Segmentation result,
                   segmenter_->Segment(image, *queries_, config_.params, /*want_scores=*/false));
  return std::move(result.labels);
}

}  // namespace itaclip::client
