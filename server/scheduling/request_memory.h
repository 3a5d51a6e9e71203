// What a Segment request will cost, estimated from its header before it is admitted: how many
// sliding-window crops it runs through the ViT, and its peak memory. The server refuses a request
// whose crops exceed max_crops_per_request or whose estimate exceeds max_request_memory_bytes, and
// admits requests while the sum of their estimates stays within max_server_memory_bytes, so that
// an image too large for the machine is refused in microseconds instead of failing in the
// allocator after a minute (or, in a pod with a memory limit, killing every call in flight).
#ifndef ITACLIP_SERVER_SCHEDULING_REQUEST_MEMORY_H_
#define ITACLIP_SERVER_SCHEDULING_REQUEST_MEMORY_H_

#include <cstdint>

#include "absl/status/status.h"
#include "core/checkpoint/clip_config.h"
#include "core/pipeline/pipeline_params.h"
#include "server/config/limits.h"

namespace itaclip::server {

// What the estimate needs to know of a request.
struct RequestShape {
  int64_t width = 0, height = 0;  // the image, as its header gives it
  int64_t num_queries = 0;        // names of all classes (the rows of the logits)
  int64_t num_classes = 0;
  bool want_scores = false;
  // EstimateTextBuildBytes of its vocabulary when the request may have to build its embeddings
  // (an inline vocabulary, or one not resident), else 0.
  int64_t vocabulary_build_bytes = 0;
};

// What building a vocabulary's embeddings (text::TextEmbedder) needs to know.
struct TextBuildShape {
  int64_t num_strings = 0;    // the names of all classes and the descriptions blended into them
  int64_t num_templates = 0;  // prompts per string
  int64_t text_batch = 0;     // prompts per text-tower batch
};

struct RequestCost {
  int64_t resized_width = 0, resized_height = 0;
  int64_t crops = 0;
  int64_t peak_bytes = 0;
};

// The estimate, in bytes of float32 tensors (the CPU path; fp16 on CUDA needs less of the crop
// part). An upper bound of what the request holds at once, summed over its stages rather than
// maximised (the stages overlap in time on a busy server's allocator):
//   decode and prepare: the BGR image, its resize and the normalised float copy;
//   the sliding window:  the logit accumulator [Q, h, w] and coverage [h, w], plus one crop's
//                        5 views through the ViT (pipeline::ViewActivationBytes) and its upsampled
//                        fused logits [Q, crop, crop];
//   finish at the image's size H x W: the upsampled logits, PAMR's padded copy and next step
//                        (3 [Q, H, W]), PAMR's guide, affinity and its temporaries (3 + 3·8·D
//                        planes for D dilations), the softmax and the class probabilities
//                        ([Q + C, H, W]), the scores sent back when asked for ([C, H, W]) and
//                        the int64 labels.
RequestCost EstimateRequestCost(const RequestShape& shape, const pipeline::PipelineParams& params,
                                const checkpoint::ClipConfig& model);

// The estimated peak bytes of building a vocabulary's embeddings, so that a registration (and a
// request that builds its vocabulary) counts against the same memory budget as a segmentation.
// For P = strings x templates prompts: the text tower's output [P, embed_dim] and its normalised
// copy (float32), the prompts' token ids (context_length int32 each), and one batch of
// min(P, text_batch) sequences of context_length tokens through a block, per token about 16 text
// widths and per head two [context_length] attention maps (as pipeline::ViewActivationBytes
// counts a ViT token).
int64_t EstimateTextBuildBytes(const TextBuildShape& shape, const checkpoint::ClipConfig& model);

// INVALID_ARGUMENT naming max_crops_per_request when the crops exceed it (the same request can
// never finish within the server's limits: it is the request, not the load); RESOURCE_EXHAUSTED
// naming max_request_memory_bytes when the estimate exceeds it.
absl::Status CheckRequestCost(const RequestCost& cost, const Limits& limits);

}  // namespace itaclip::server

#endif  // ITACLIP_SERVER_SCHEDULING_REQUEST_MEMORY_H_
