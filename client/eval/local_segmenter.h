// The evaluation's in-process segmenter: the offline command's model bundle, text embeddings and
// pipeline::Segmenter, loaded once in Prepare and reused for every image.
#ifndef ITACLIP_CLIENT_EVAL_LOCAL_SEGMENTER_H_
#define ITACLIP_CLIENT_EVAL_LOCAL_SEGMENTER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "client/eval/eval_segmenter.h"
#include "core/pipeline/model_bundle.h"
#include "core/pipeline/pipeline_params.h"
#include "core/pipeline/segmenter.h"
#include "core/text/query_embeddings.h"
#include "core/text/vocabulary_spec.h"

namespace itaclip::client {

struct LocalSegmenterConfig {
  // The checkpoint, tokenizer and templates (no presets: `params` is the evaluated one).
  pipeline::ModelBundleOptions bundle;
  int64_t batch_memory_bytes = int64_t{1} << 30;
  text::VocabularySpec vocabulary;
  pipeline::PipelineParams params;
  // Status lines ("loading ...", prompt progress); may be empty.
  std::function<void(const std::string&)> log;
};

// Not thread-safe (the model uses every core already); Prepare must succeed before Segment.
class LocalSegmenter : public EvalSegmenter {
 public:
  explicit LocalSegmenter(LocalSegmenterConfig config);

  // Loads the model bundle and builds the query embeddings (ModelBundle::Load's and the text
  // embedder's errors).
  absl::Status Prepare() override;
  // Reads the image (client/input/read_image.h errors) and runs the pipeline on it.
  absl::StatusOr<cv::Mat> Segment(const EvalSample& sample) override;
  bool thread_safe() const override { return false; }

 private:
  LocalSegmenterConfig config_;
  std::optional<pipeline::ModelBundle> bundle_;
  std::optional<text::QueryEmbeddings> queries_;
  std::unique_ptr<pipeline::Segmenter> segmenter_;
};

}  // namespace itaclip::client

#endif  // ITACLIP_CLIENT_EVAL_LOCAL_SEGMENTER_H_
