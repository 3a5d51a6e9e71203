// Shared pieces of the scheduling tests: one tiny random CLIP model and its text embedder for the
// whole suite, small pipeline parameters (few crops, so a segmentation takes milliseconds), random
// images, and SegmentTasks prepared the way SegmentExecutor prepares them.
#ifndef ITACLIP_TESTS_SERVER_SCHEDULING_TINY_PIPELINE_H_
#define ITACLIP_TESTS_SERVER_SCHEDULING_TINY_PIPELINE_H_

#include <cstdint>
#include <memory>
#include <opencv2/core/mat.hpp>

#include "core/clip/clip_model.h"
#include "core/pipeline/pipeline_params.h"
#include "core/text/query_embeddings.h"
#include "core/text/text_embedder.h"
#include "server/scheduling/segment_task.h"
#include "server/vocabulary/vocabulary_registry.h"

namespace itaclip::server::testing {

// Built on first use and kept for the process (the model takes ~1 s to write and load).
const clip::ClipModel& TinyModel();
const text::TextEmbedder& TinyEmbedder();

// The query embeddings of a three-class background-first vocabulary on TinyModel().
std::shared_ptr<const text::QueryEmbeddings> TinyQueries();

// The registry's builder as the server wires it: TinyEmbedder() on the definition.
EmbeddingBuilder TinyEmbeddingBuilder();

// The voc21 preset with short_side = crop_size = `crop` and stride 28: an image whose short side is
// `crop` keeps its size and gets crops of crop x crop, (long - crop + 27) / 28 + 1 of them.
pipeline::PipelineParams SmallParams(int crop);

// A CV_8UC3 image of uniform noise, deterministic for `seed`.
cv::Mat RandomImage(int width, int height, uint64_t seed);

// A task with its job prepared on TinyModel()'s device, the queries set and a fresh token; its
// on_device_done is left for the test to set.
std::shared_ptr<SegmentTask> MakeTask(const cv::Mat& image, const pipeline::PipelineParams& params,
                                      std::shared_ptr<const text::QueryEmbeddings> queries);

}  // namespace itaclip::server::testing

#endif  // ITACLIP_TESTS_SERVER_SCHEDULING_TINY_PIPELINE_H_
