// Builds a vocabulary's query embeddings (spec §3): every name and description goes through the 80
// prompt templates and the CLIP text tower; each string's 80 embeddings are L2-normalised, averaged
// and normalised again; class names are then blended with their class's description.
#ifndef ITACLIP_CORE_TEXT_TEXT_EMBEDDER_H_
#define ITACLIP_CORE_TEXT_TEXT_EMBEDDER_H_

#include <ATen/core/Tensor.h>

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/clip/clip_model.h"
#include "core/text/bpe_tokenizer.h"
#include "core/text/query_embeddings.h"
#include "core/text/vocabulary_spec.h"

namespace itaclip::text {

// Holds references to the model and tokenizer, which must outlive it. Thread-safe (const).
class TextEmbedder {
 public:
  TextEmbedder(const clip::ClipModel& model, const BpeTokenizer& tokenizer,
               std::vector<std::string> templates);

  // t(s) of spec §3.2 for each string: [S, embed_dim] float32 unit vectors. All S x templates
  // prompts are encoded in length-sorted batches (see clip::TextEncodeOptions).
  absl::StatusOr<at::Tensor> EnsembleEmbeddings(const std::vector<std::string>& strings,
                                                const clip::TextEncodeOptions& options = {}) const;

  // The query embeddings of `spec`, blending with weight `description_weight` (def_coefficient):
  // f_q = (1-c)·t(name) + c·t(description of q's class) for classes that have a description and are
  // not the background class (class 0 when spec.background_first); f_q = t(name) otherwise.
  // INVALID_ARGUMENT for an empty vocabulary, an empty name, c outside [0, 1] or a prompt longer
  // than the context length.
  absl::StatusOr<QueryEmbeddings> Embed(const VocabularySpec& spec, double description_weight,
                                        const clip::TextEncodeOptions& options = {}) const;

  // The strings Embed encodes (each under every template), in its order: every name of every
  // class, then the description of every blended class (non-empty, not the background class, and
  // description_weight > 0).
  static std::vector<std::string> EncodedStrings(const VocabularySpec& spec,
                                                 double description_weight);

 private:
  const clip::ClipModel& model_;
  const BpeTokenizer& tokenizer_;
  std::vector<std::string> templates_;
};

}  // namespace itaclip::text

#endif  // ITACLIP_CORE_TEXT_TEXT_EMBEDDER_H_
