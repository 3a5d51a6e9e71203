// Everything a process loads once to segment: the CLIP model, the BPE tokenizer, the prompt
// templates, the text embedder built from them and the pipeline presets. The server, the client's
// offline commands (segment, eval, tokenize) and the benchmark all load it through
// ModelBundle::Load, so the files are read, checked and combined the same way everywhere.
#ifndef ITACLIP_CORE_PIPELINE_MODEL_BUNDLE_H_
#define ITACLIP_CORE_PIPELINE_MODEL_BUNDLE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/clip/clip_model.h"
#include "core/clip/self_self_attention_mode.h"
#include "core/pipeline/pipeline_params.h"
#include "core/text/bpe_tokenizer.h"
#include "core/text/text_embedder.h"

namespace itaclip::pipeline {

struct ModelBundleOptions {
  // The weights: a checkpoint in any supported format; when empty, random weights of the known
  // shape `random_weights_shape` ("vit-b-16", "tiny"; checkpoint::KnownClipConfig) from
  // `random_weights_seed` (the benchmark without a checkpoint); when both are empty, no model
  // (and no embedder) is loaded: a tokenizer-only bundle.
  std::string checkpoint;
  std::string random_weights_shape;
  uint64_t random_weights_seed = 1;
  c10::Device device = c10::Device(c10::kCPU);
  std::optional<c10::ScalarType> dtype;                       // unset: DefaultComputeDtype(device)
  std::optional<clip::SelfSelfAttentionMode> attention_mode;  // unset: the device's default

  std::string bpe_vocabulary;  // required: BpeTokenizer::Load's path
  std::string templates_file;  // required with a model (configs_folder.h: TemplatesFileIn)

  // Presets: none when `presets_dir` is empty; otherwise the presets named in `preset_names`, or
  // every preset of the folder when that is empty.
  std::string presets_dir;
  std::vector<std::string> preset_names;
  // When set, must be one of the loaded presets (the server's default preset).
  std::string default_preset;
};

struct ModelBundle {
  // Loads, cheapest first (presets, templates, tokenizer, then the weights), so that a wrong path
  // is reported before seconds go into reading a checkpoint. Errors, each naming the file: the
  // preset loader's (NOT_FOUND for an unknown preset, INVALID_ARGUMENT for a bad file); NOT_FOUND
  // "the default preset 'NAME' is not in DIR"; LoadPromptTemplates's; BpeTokenizer::Load's;
  // ClipModel::Load's (or KnownClipConfig's for an unknown random shape); INVALID_ARGUMENT when
  // bpe_vocabulary is empty, or when templates_file is empty while a model is loaded.
  static absl::StatusOr<ModelBundle> Load(const ModelBundleOptions& options);

  c10::Device device = c10::Device(c10::kCPU);  // as asked for (may lack the index: "cuda")
  c10::ScalarType dtype = c10::kFloat;          // the compute dtype of the model
  // Held by pointer: `embedder` refers to the model and the tokenizer, and the bundle moves.
  std::unique_ptr<clip::ClipModel> model;  // null in a tokenizer-only bundle
  std::unique_ptr<text::BpeTokenizer> tokenizer;
  std::vector<std::string> templates;
  std::unique_ptr<text::TextEmbedder> embedder;  // null without a model
  std::map<std::string, PipelineParams> presets;
};

}  // namespace itaclip::pipeline

#endif  // ITACLIP_CORE_PIPELINE_MODEL_BUNDLE_H_
