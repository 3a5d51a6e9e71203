// What the evaluation needs from the method: one image's label map. Implemented in-process
// (local_segmenter.h) and through itaclip-server (remote_segmenter.h), so that the same loop,
// metric and cache validate both.
#ifndef ITACLIP_CLIENT_EVAL_EVAL_SEGMENTER_H_
#define ITACLIP_CLIENT_EVAL_EVAL_SEGMENTER_H_

#include <opencv2/core/mat.hpp>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "client/eval/dataset_layout.h"

namespace itaclip::client {

class EvalSegmenter {
 public:
  virtual ~EvalSegmenter() = default;

  // Expensive set-up (loading a model, building text embeddings), called once before the first
  // Segment and not at all when every image is answered from the cache.
  virtual absl::Status Prepare() { return absl::OkStatus(); }

  // The label map of the sample's image at the image's own size: CV_8UC1 (CV_16UC1 beyond 256
  // classes), one class index per pixel, every index below the vocabulary's class count.
  virtual absl::StatusOr<cv::Mat> Segment(const EvalSample& sample) = 0;

  // Whether Segment may be called from several threads at once.
  virtual bool thread_safe() const = 0;
};

}  // namespace itaclip::client

#endif  // ITACLIP_CLIENT_EVAL_EVAL_SEGMENTER_H_
