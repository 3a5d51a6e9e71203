#include "client/commands/segment_command.h"

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "client/commands/command_flags.h"
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
  if (absl::GetFlag(FLAGS_quiet)) return;
  std::fprintf(stderr, "\r%s: %lld/%lld", what, static_cast<long long>(done),
               static_cast<long long>(total));
  if (done == total) std::fprintf(stderr, "\n");
}

void Log(const std::string& line) {
  if (!absl::GetFlag(FLAGS_quiet)) std::fprintf(stderr, "%s\n", line.c_str());
}

// The preset when --preset is empty (remotely, empty means the server's default preset instead).
constexpr char kOfflineDefaultPreset[] = "voc21";

}  // namespace

absl::Status RunSegmentCommand() {
  const std::string model_path = absl::GetFlag(FLAGS_model);
  if (model_path.empty()) {
    // --bpe only means something offline: with it and no --model the user meant to run locally.
    if (!absl::GetFlag(FLAGS_bpe).empty()) {
      return absl::InvalidArgumentError(
          "--model is required to segment offline (--bpe was given); without --model and --bpe "
          "the image is sent to the server named by --server");
    }
    return RunRemoteSegmentCommand();
  }
  RETURN_IF_ERROR(RequireFlag(absl::GetFlag(FLAGS_bpe), "bpe"));
  RETURN_IF_ERROR(RequireFlag(absl::GetFlag(FLAGS_classes), "classes"));
  RETURN_IF_ERROR(RequireFlag(absl::GetFlag(FLAGS_image), "image"));
  RETURN_IF_ERROR(RequireFlag(absl::GetFlag(FLAGS_out), "out"));
  ConfigureCpuThreads(absl::GetFlag(FLAGS_threads));

  const std::string configs = absl::GetFlag(FLAGS_configs);
  const std::string preset_flag = absl::GetFlag(FLAGS_preset);
  const std::string preset = preset_flag.empty() ? kOfflineDefaultPreset : preset_flag;
  ASSIGN_OR_RETURN(cv::Mat image, ReadImage(absl::GetFlag(FLAGS_image)));
  pipeline::ModelBundleOptions bundle_options;
  bundle_options.checkpoint = model_path;
  ASSIGN_OR_RETURN(bundle_options.device, ParseDevice(absl::GetFlag(FLAGS_device)));
  bundle_options.bpe_vocabulary = absl::GetFlag(FLAGS_bpe);
  bundle_options.templates_file = pipeline::TemplatesFileIn(configs);
  bundle_options.presets_dir = pipeline::PresetsDirIn(configs);
  bundle_options.preset_names = {preset};
  Log(absl::StrCat("loading ", model_path));
  ASSIGN_OR_RETURN(pipeline::ModelBundle bundle, pipeline::ModelBundle::Load(bundle_options));
  pipeline::PipelineParams params = bundle.presets.at(preset);
  RETURN_IF_ERROR(pipeline::ApplyOverrides(params, absl::GetFlag(FLAGS_set)));
  ASSIGN_OR_RETURN(
      text::VocabularySpec vocabulary,
      text::LoadVocabularySpec(absl::GetFlag(FLAGS_classes), absl::GetFlag(FLAGS_descriptions),
                               params.background_first));
  const clip::ClipModel& model = *bundle.model;
  Log(absl::StrCat("model: ", model.config().DebugString()));
  Log(absl::StrCat("building text embeddings for ", vocabulary.classes.size(), " classes"));
  clip::TextEncodeOptions text_options;
  text_options.progress = [](int64_t done, int64_t total) { Progress("prompts", done, total); };
  ASSIGN_OR_RETURN(text::QueryEmbeddings queries,
                   bundle.embedder->Embed(vocabulary, params.def_coefficient, text_options));

  pipeline::SegmenterOptions options;
  options.batch_memory_bytes = int64_t{absl::GetFlag(FLAGS_batch_memory_mb)} << 20;
  pipeline::Segmenter segmenter(model, options);
  pipeline::SegmentCallbacks callbacks;
  callbacks.progress = [](int64_t done, int64_t total) { Progress("crops", done, total); };
  const bool want_scores = !absl::GetFlag(FLAGS_scores).empty();
  ASSIGN_OR_RETURN(pipeline::Segmentation result,
                   segmenter.Segment(image, queries, params, want_scores, callbacks));
  Log(absl::StrCat("timings: preprocess ", result.timings.preprocess_ms, " ms, model ",
                   result.timings.model_ms, " ms, postprocess ", result.timings.postprocess_ms,
                   " ms"));

  RETURN_IF_ERROR(WriteImage(absl::GetFlag(FLAGS_out), result.labels));
  if (want_scores) RETURN_IF_ERROR(WriteNpyFloat32(result.scores, absl::GetFlag(FLAGS_scores)));
  if (!absl::GetFlag(FLAGS_overlay).empty()) {
    RETURN_IF_ERROR(WriteImage(
        absl::GetFlag(FLAGS_overlay),
        RenderOverlay(image, result.labels, queries.class_names, result.class_pixel_counts)));
  }
  return absl::OkStatus();
}

}  // namespace itaclip::client
