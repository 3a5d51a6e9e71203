#include "client/commands/eval_command.h"

#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "client/commands/command_flags.h"
#include "client/commands/segment_request.h"
#include "client/commands/vocabulary_input.h"
#include "client/connection/channel_factory.h"
#include "client/eval/dataset_layout.h"
#include "client/eval/eval_report.h"
#include "client/eval/eval_runner.h"
#include "client/eval/eval_settings.h"
#include "client/eval/local_segmenter.h"
#include "client/eval/progress_bar.h"
#include "client/eval/remote_segmenter.h"
#include "client/eval/result_cache.h"
#include "client/eval/stable_hash.h"
#include "client/output/write_file.h"
#include "core/common/cpu_threads.h"
#include "core/common/device.h"
#include "core/common/status_macros.h"
#include "core/evaluation/intersect_and_union.h"
#include "core/evaluation/iou_metrics.h"
#include "core/pipeline/configs_folder.h"
#include "core/pipeline/preset_file.h"
#include "core/text/class_file.h"
#include "core/text/prompt_templates.h"

namespace itaclip::client {
namespace {

// Class 0 of a background-first vocabulary is reported under this name: its first query name
// (VOC21's is "sky") says less about what the ground truth's label 0 means.
constexpr char kBackgroundName[] = "background";

void Log(const std::string& line) {
  if (!absl::GetFlag(FLAGS_quiet)) std::fprintf(stderr, "%s\n", line.c_str());
}

// The pipeline keys that belong to the vocabulary on a server (it refuses them as overrides).
bool IsTextSideKey(const std::string& key) {
  return key == "background_first" || key == "def_coefficient";
}

// Everything the command needs that does not depend on the mode.
struct EvalInputs {
  std::string preset;
  DatasetLayout layout;
  DatasetSettings dataset;
  std::vector<EvalSample> samples;  // after --limit
  int64_t dataset_images = 0;
  pipeline::PipelineParams params;  // the preset with --set applied
};

absl::StatusOr<EvalInputs> ReadInputs() {
  EvalInputs inputs;
  inputs.preset = absl::GetFlag(FLAGS_preset);
  if (inputs.preset.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--preset is required (",
        absl::StrJoin(pipeline::ListPresets(pipeline::PresetsDirIn(absl::GetFlag(FLAGS_configs))),
                      ", "),
        ")"));
  }
  const std::string root = absl::GetFlag(FLAGS_data);
  if (root.empty()) return absl::InvalidArgumentError("--data ROOT is required");
  if (!absl::GetFlag(FLAGS_class_names).empty()) {
    // Class i must be ground-truth label i: a file states that order plainly.
    return absl::InvalidArgumentError(
        "eval takes its classes from --classes FILE, not --class_names");
  }
  const int64_t limit = absl::GetFlag(FLAGS_limit);
  if (limit < 0) {
    return absl::InvalidArgumentError(absl::StrCat("--limit must be 0 (all) or more, not ", limit));
  }
  const std::string layout_flag = absl::GetFlag(FLAGS_layout);
  absl::StatusOr<DatasetLayout> layout =
      FindDatasetLayout(layout_flag.empty() ? inputs.preset : layout_flag);
  if (!layout.ok() && layout_flag.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("no dataset layout is named like the preset \"",
                                                   inputs.preset, "\"; give --layout (",
                                                   absl::StrJoin(DatasetLayoutNames(), ", "), ")"));
  }
  RETURN_IF_ERROR(layout.status());
  inputs.layout = *std::move(layout);
  inputs.dataset =
      DatasetSettings{inputs.layout.name, root,
                      inputs.layout.reduce_zero_label || absl::GetFlag(FLAGS_reduce_zero_label),
                      evaluation::kIgnoreIndex};

  const std::string configs = absl::GetFlag(FLAGS_configs);
  ASSIGN_OR_RETURN(inputs.params,
                   pipeline::LoadPreset(pipeline::PresetsDirIn(configs), inputs.preset));
  RETURN_IF_ERROR(pipeline::ApplyOverrides(inputs.params, absl::GetFlag(FLAGS_set)));

  ASSIGN_OR_RETURN(inputs.samples, ListSamples(inputs.layout, root));
  inputs.dataset_images = static_cast<int64_t>(inputs.samples.size());
  if (limit > 0 && limit < inputs.dataset_images) inputs.samples.resize(limit);
  return inputs;
}

// The vocabulary of --classes (default: the preset's class file) and --descriptions, with the
// preset's background_first.
absl::StatusOr<text::VocabularySpec> ReadVocabulary(const EvalInputs& inputs) {
  std::string classes = absl::GetFlag(FLAGS_classes);
  if (classes.empty()) {
    classes = pipeline::ClassFileIn(absl::GetFlag(FLAGS_configs), inputs.preset);
  }
  const std::string descriptions = absl::GetFlag(FLAGS_descriptions);
  if (descriptions.empty()) {
    Log("note: no --descriptions; the published numbers blend each class with its LLM text");
  }
  return text::LoadVocabularySpec(classes, descriptions, inputs.params.background_first);
}

struct Backend {
  std::unique_ptr<EvalSegmenter> segmenter;
  std::string settings_text;
  std::vector<std::string> class_names;
  EvalSummary summary;  // mode, model, server
};

absl::StatusOr<Backend> LocalBackend(const EvalInputs& inputs) {
  const std::string model = absl::GetFlag(FLAGS_model);
  const std::string bpe = absl::GetFlag(FLAGS_bpe);
  if (bpe.empty()) return absl::InvalidArgumentError("--bpe is required with --model");
  if (absl::GetFlag(FLAGS_concurrency) > 1) {
    return absl::InvalidArgumentError(
        "--concurrency above 1 needs --server (in-process evaluation uses every core for one "
        "image; set --threads instead)");
  }
  ConfigureCpuThreads(absl::GetFlag(FLAGS_threads));
  ASSIGN_OR_RETURN(c10::Device device, ParseDevice(absl::GetFlag(FLAGS_device)));
  ASSIGN_OR_RETURN(text::VocabularySpec vocabulary, ReadVocabulary(inputs));
  LocalSegmenterConfig config;
  config.bundle.checkpoint = model;
  config.bundle.device = device;
  config.bundle.bpe_vocabulary = bpe;
  config.bundle.templates_file = pipeline::TemplatesFileIn(absl::GetFlag(FLAGS_configs));
  // The settings (the cache key) name the templates; the bundle loads them again once an image
  // is not in the cache.
  ASSIGN_OR_RETURN(std::vector<std::string> templates,
                   text::LoadPromptTemplates(config.bundle.templates_file));
  Log(absl::StrCat("hashing ", model, " (the cache key names its content)"));
  ASSIGN_OR_RETURN(std::string model_hash, HashFileContent(model, "checkpoint"));

  Backend backend;
  StableHasher templates_hash;
  for (const std::string& t : templates) templates_hash.Add(t).Add("\n");
  backend.settings_text = LocalSettingsText(
      model_hash, absl::StrCat(device.str(), " ", c10::toString(DefaultComputeDtype(device))),
      inputs.preset, inputs.params, vocabulary, templates_hash.HexDigest(), inputs.dataset);
  for (const text::ClassSpec& c : vocabulary.classes) backend.class_names.push_back(c.names[0]);
  if (vocabulary.background_first) backend.class_names[0] = kBackgroundName;
  backend.summary.mode = "in-process";
  backend.summary.model = model;

  config.batch_memory_bytes = int64_t{absl::GetFlag(FLAGS_batch_memory_mb)} << 20;
  config.vocabulary = std::move(vocabulary);
  config.params = inputs.params;
  config.log = Log;
  backend.segmenter = std::make_unique<LocalSegmenter>(std::move(config));
  return backend;
}

absl::StatusOr<Backend> RemoteBackend(const EvalInputs& inputs) {
  // --set splits in two: the text-side keys shape the vocabulary, the others go with each image.
  google::protobuf::Map<std::string, std::string> all_overrides;
  RETURN_IF_ERROR(ParseOverrides(absl::GetFlag(FLAGS_set), &all_overrides));
  std::map<std::string, std::string> overrides;
  for (const auto& [key, value] : all_overrides) {
    if (!IsTextSideKey(key)) overrides[key] = value;
  }
  const std::string vocabulary_id = absl::GetFlag(FLAGS_vocabulary);
  v1::VocabularyDefinition definition;
  if (vocabulary_id.empty()) {
    ASSIGN_OR_RETURN(text::VocabularySpec vocabulary, ReadVocabulary(inputs));
    // The weight is left to the preset (the server then uses the preset's def_coefficient, as the
    // in-process mode does, and the id is the one `itaclip register` gives), unless --set
    // def_coefficient=... chose one.
    std::optional<double> weight;
    if (all_overrides.count("def_coefficient") > 0) weight = inputs.params.def_coefficient;
    definition = ToVocabularyDefinition(vocabulary, weight);
  } else if (HasVocabularyFlags() || !absl::GetFlag(FLAGS_descriptions).empty()) {
    return absl::InvalidArgumentError(
        "give --vocabulary ID or a class file (--classes, --descriptions), not both");
  }
  ASSIGN_OR_RETURN(ChannelFactory channels, ChannelFactory::FromFlags());
  const std::string target = channels.target();
  Log(absl::StrCat("connecting to ", target));
  ASSIGN_OR_RETURN(std::unique_ptr<RemoteSegmenter> segmenter,
                   RemoteSegmenter::Connect(std::move(channels), definition, vocabulary_id,
                                            inputs.preset, overrides));
  const RemoteSession& session = segmenter->session();
  Log(absl::StrCat("vocabulary ", session.vocabulary_id, ": ", session.num_classes,
                   " classes; server ", session.server_info.version(), ", model ",
                   session.server_info.model().checkpoint(), " on ", session.server_info.device()));

  Backend backend;
  backend.settings_text = RemoteSettingsText(session.server_info, inputs.preset, overrides,
                                             session.vocabulary_id, inputs.dataset);
  backend.class_names = session.class_names;
  if (session.background_first) backend.class_names[0] = kBackgroundName;
  backend.summary.mode = "server";
  backend.summary.model = session.server_info.model().checkpoint();
  backend.summary.server = target;
  backend.segmenter = std::move(segmenter);
  return backend;
}

}  // namespace

absl::Status RunEvalCommand() {
  const absl::Time start = absl::Now();
  ASSIGN_OR_RETURN(EvalInputs inputs, ReadInputs());
  Log(absl::StrCat("dataset: ", inputs.samples.size(), " of ", inputs.dataset_images,
                   " images (layout ", inputs.layout.name, ", ", inputs.dataset.root, ")"));
  Backend backend;
  if (!absl::GetFlag(FLAGS_model).empty()) {
    ASSIGN_OR_RETURN(backend, LocalBackend(inputs));
  } else {
    ASSIGN_OR_RETURN(backend, RemoteBackend(inputs));
  }

  ResultCache cache;
  const std::string cache_dir = absl::GetFlag(FLAGS_cache_dir);
  if (!cache_dir.empty()) {
    ASSIGN_OR_RETURN(cache, ResultCache::Open(cache_dir, backend.settings_text));
  }
  EvalRunOptions options;
  options.num_classes = static_cast<int>(backend.class_names.size());
  options.ignore_index = inputs.dataset.ignore_index;
  options.reduce_zero_label = inputs.dataset.reduce_zero_label;
  options.concurrency = absl::GetFlag(FLAGS_concurrency);
  options.save_predictions_dir = absl::GetFlag(FLAGS_save_predictions);
  options.show_progress = !absl::GetFlag(FLAGS_quiet);
  options.log = Log;
  ASSIGN_OR_RETURN(EvalRunResult run,
                   RunEvaluation(inputs.samples, *backend.segmenter, cache, options));

  EvalSummary summary = std::move(backend.summary);
  summary.preset = inputs.preset;
  summary.layout = inputs.layout.name;
  summary.data_root = inputs.dataset.root;
  summary.settings_key = StableHasher().Add(backend.settings_text).HexDigest();
  summary.reduce_zero_label = inputs.dataset.reduce_zero_label;
  summary.ignore_index = inputs.dataset.ignore_index;
  summary.images = static_cast<int64_t>(inputs.samples.size());
  summary.dataset_images = inputs.dataset_images;
  summary.class_names = std::move(backend.class_names);
  summary.counts = std::move(run.counts);
  const evaluation::IouMetrics metrics = evaluation::ComputeIouMetrics(summary.counts);

  std::fputs(FormatResultTable(summary, metrics).c_str(), stdout);
  std::fflush(stdout);
  const std::string json_path = absl::GetFlag(FLAGS_json);
  if (!json_path.empty())
    RETURN_IF_ERROR(WriteBytes(json_path, FormatResultJson(summary, metrics)));
  Log(absl::StrCat("segmented ", run.segmented, " images, ", run.cached, " from the cache, in ",
                   FormatClock(absl::Now() - start)));
  return absl::OkStatus();
}

}  // namespace itaclip::client
