#include "core/pipeline/model_bundle.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "core/checkpoint/assemble_clip_weights.h"
#include "core/checkpoint/known_clip_configs.h"
#include "core/checkpoint/random_state_dict.h"
#include "core/common/device.h"
#include "core/common/status_macros.h"
#include "core/pipeline/preset_file.h"
#include "core/text/prompt_templates.h"

namespace itaclip::pipeline {
namespace {

absl::StatusOr<std::map<std::string, PipelineParams>> LoadPresets(
    const ModelBundleOptions& options) {
  std::map<std::string, PipelineParams> presets;
  if (options.presets_dir.empty()) return presets;
  const std::vector<std::string> names =
      options.preset_names.empty() ? ListPresets(options.presets_dir) : options.preset_names;
  for (const std::string& name : names) {
    ASSIGN_OR_RETURN(presets[name], LoadPreset(options.presets_dir, name));
  }
  return presets;
}

absl::StatusOr<std::unique_ptr<clip::ClipModel>> LoadModel(const ModelBundleOptions& options,
                                                           c10::ScalarType dtype) {
  if (!options.checkpoint.empty()) {
    return clip::ClipModel::Load(options.checkpoint, options.device, dtype, options.attention_mode);
  }
  ASSIGN_OR_RETURN(const checkpoint::ClipConfig config,
                   checkpoint::KnownClipConfig(options.random_weights_shape));
  ASSIGN_OR_RETURN(checkpoint::ClipWeights weights,
                   checkpoint::AssembleClipWeights(
                       checkpoint::MakeRandomClipStateDict(config, options.random_weights_seed),
                       config, checkpoint::LoadOptions{options.device, dtype}));
  return std::make_unique<clip::ClipModel>(std::move(weights), options.attention_mode);
}

}  // namespace

absl::StatusOr<ModelBundle> ModelBundle::Load(const ModelBundleOptions& options) {
  const bool wants_model = !options.checkpoint.empty() || !options.random_weights_shape.empty();
  if (options.bpe_vocabulary.empty()) {
    return absl::InvalidArgumentError("no BPE vocabulary file given");
  }
  if (wants_model && options.templates_file.empty()) {
    return absl::InvalidArgumentError("no prompt templates file given");
  }
  ModelBundle bundle;
  bundle.device = options.device;
  bundle.dtype = options.dtype.value_or(DefaultComputeDtype(options.device));

  ASSIGN_OR_RETURN(bundle.presets, LoadPresets(options));
  if (!options.default_preset.empty() && bundle.presets.count(options.default_preset) == 0) {
    return absl::NotFoundError(absl::StrCat("the default preset '", options.default_preset,
                                            "' is not in ", options.presets_dir));
  }
  if (!options.templates_file.empty()) {
    ASSIGN_OR_RETURN(bundle.templates, text::LoadPromptTemplates(options.templates_file));
  }
  ASSIGN_OR_RETURN(text::BpeTokenizer tokenizer, text::BpeTokenizer::Load(options.bpe_vocabulary));
  bundle.tokenizer = std::make_unique<text::BpeTokenizer>(std::move(tokenizer));
  if (!wants_model) return bundle;

  ASSIGN_OR_RETURN(bundle.model, LoadModel(options, bundle.dtype));
  bundle.embedder =
      std::make_unique<text::TextEmbedder>(*bundle.model, *bundle.tokenizer, bundle.templates);
  return bundle;
}

}  // namespace itaclip::pipeline
