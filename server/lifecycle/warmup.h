// One small segmentation through the device batcher before the server reports SERVING: it runs the
// text tower, the ViT, the logit fusion, PAMR and the post-processing once, so that the first real
// request does not pay for lazy initialisation (allocator pools, kernels, thread pools).
#ifndef ITACLIP_SERVER_LIFECYCLE_WARMUP_H_
#define ITACLIP_SERVER_LIFECYCLE_WARMUP_H_

#include "absl/status/status.h"
#include "core/clip/clip_model.h"
#include "core/pipeline/pipeline_params.h"
#include "server/scheduling/device_batcher.h"
#include "server/vocabulary/vocabulary_registry.h"

namespace itaclip::server {

// `preset`: the default preset; the warm-up image is one crop of its size.
absl::Status RunWarmup(const clip::ClipModel& model, const EmbeddingBuilder& builder,
                       DeviceBatcher& batcher, const pipeline::PipelineParams& preset);

}  // namespace itaclip::server

#endif  // ITACLIP_SERVER_LIFECYCLE_WARMUP_H_
