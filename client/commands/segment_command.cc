#include "client/commands/segment_command.h"

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "client/commands/remote_segment_command.h"
#include "client/input/read_image.h"
#include "client/output/render_overlay.h"
#include "client/output/write_file.h"
#include "client/output/write_npy.h"
#include "core/clip/clip_model.h"
#include "core/common/cpu_threads.h"
#include "core/common/device.h"
#include "core/common/status_macros.h"
#include "core/pipeline/configs_folder.h"
#include "core/pipeline/model_bundle.h"
#include "core/pipeline/preset_file.h"
#include "core/pipeline/segmenter.h"
#include "core/text/class_file.h"
#include "core/text/text_embedder.h"

namespace itaclip::client {
namespace {

absl::Status RequireFlag(const std::string& value, const char* name) {
  if (value.empty()) return absl::InvalidArgumentError(absl::StrCat("--", name, " is required"));
  return absl::OkStatus();
}

void Progress(const char* what, int64_t done, int64_t total) {
  std::fprintf(stderr, "\r%s: %lld/%lld", what, static_cast<long long>(done),
               static_cast<long long>(total));
  if (done == total) std::fprintf(stderr, "\n");
}

// The preset when --preset is empty (remotely, empty means the server's default preset instead).
constexpr char kOfflineDefaultPreset[] = "voc21";

}  // namespace

absl::Status RunSegmentCommand(const SegmentOptions& options) {
  const OfflineModelOptions& offline = options.offline;
  const SegmentRequestOptions& request = options.request;
  const SegmentOutputOptions& outputs = options.outputs;
  if (offline.model.empty()) {
    // --bpe only means something offline: with it and no --model the user meant to run locally.
    if (!offline.bpe.empty()) {
      return absl::InvalidArgumentError(
          "--model is required to segment offline (--bpe was given); without --model and --bpe "
          "the image is sent to the server named by --server");
    }
    return RunRemoteSegmentCommand(options);
  }
  RETURN_IF_ERROR(RequireFlag(offline.bpe, "bpe"));
  RETURN_IF_ERROR(RequireFlag(request.vocabulary.classes_file, "classes"));
  RETURN_IF_ERROR(RequireFlag(request.image, "image"));
  RETURN_IF_ERROR(RequireFlag(outputs.out, "out"));
  ConfigureCpuThreads(offline.threads);
  const auto log = [&options](const std::string& line) {
    if (!options.quiet) std::fprintf(stderr, "%s\n", line.c_str());
  };
  const auto progress = [&options](const char* what) {
    return [what, quiet = options.quiet](int64_t done, int64_t total) {
      if (!quiet) Progress(what, done, total);
    };
  };

  const std::string preset = request.preset.empty() ? kOfflineDefaultPreset : request.preset;
  ASSIGN_OR_RETURN(cv::Mat image, ReadImage(request.image));
  pipeline::ModelBundleOptions bundle_options;
  bundle_options.checkpoint = offline.model;
  ASSIGN_OR_RETURN(bundle_options.device, ParseDevice(offline.device));
  bundle_options.bpe_vocabulary = offline.bpe;
  bundle_options.templates_file = pipeline::TemplatesFileIn(offline.configs);
  bundle_options.presets_dir = pipeline::PresetsDirIn(offline.configs);
  bundle_options.preset_names = {preset};
  log(absl::StrCat("loading ", offline.model));
  ASSIGN_OR_RETURN(pipeline::ModelBundle bundle, pipeline::ModelBundle::Load(bundle_options));
  pipeline::PipelineParams params = bundle.presets.at(preset);
  RETURN_IF_ERROR(pipeline::ApplyOverrides(params, request.overrides));
  ASSIGN_OR_RETURN(
      text::VocabularySpec vocabulary,
      text::LoadVocabularySpec(request.vocabulary.classes_file,
                               request.vocabulary.descriptions_file, params.background_first));
  const clip::ClipModel& model = *bundle.model;
  log(absl::StrCat("model: ", model.config().DebugString()));
  log(absl::StrCat("building text embeddings for ", vocabulary.classes.size(), " classes"));
  clip::TextEncodeOptions text_options;
  text_options.progress = progress("prompts");
  ASSIGN_OR_RETURN(text::QueryEmbeddings queries,
                   bundle.embedder->Embed(vocabulary, params.def_coefficient, text_options));

  pipeline::SegmenterOptions segmenter_options;
  segmenter_options.batch_memory_bytes = int64_t{offline.batch_memory_mb} << 20;
  pipeline::Segmenter segmenter(model, segmenter_options);
  pipeline::SegmentCallbacks callbacks;
  callbacks.progress = progress("crops");
  const bool want_scores = !outputs.scores.empty();
  ASSIGN_OR_RETURN(pipeline::Segmentation result,
                   segmenter.Segment(image, queries, params, want_scores, callbacks));
  log(absl::StrCat("timings: preprocess ", result.timings.preprocess_ms, " ms, model ",
                   result.timings.model_ms, " ms, postprocess ", result.timings.postprocess_ms,
                   " ms"));

  RETURN_IF_ERROR(WriteImage(outputs.out, result.labels));
  if (want_scores) RETURN_IF_ERROR(WriteNpyFloat32(result.scores, outputs.scores));
  if (!outputs.overlay.empty()) {
    RETURN_IF_ERROR(WriteImage(
        outputs.overlay,
        RenderOverlay(image, result.labels, queries.class_names, result.class_pixel_counts)));
  }
  return absl::OkStatus();
}

}  // namespace itaclip::client
