#include "client/commands/eval_command.h"

#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
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

// Status lines on stderr, unless --quiet.
std::function<void(const std::string&)> StatusLog(bool quiet) {
  return [quiet](const std::string& line) {
    if (!quiet) std::fprintf(stderr, "%s\n", line.c_str());
  };
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

absl::StatusOr<EvalInputs> ReadInputs(const EvalOptions& options) {
  const std::string& configs = options.offline.configs;
  EvalInputs inputs;
  inputs.preset = options.preset;
  if (inputs.preset.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--preset is required (",
        absl::StrJoin(pipeline::ListPresets(pipeline::PresetsDirIn(configs)), ", "), ")"));
  }
  const std::string& root = options.data;
  if (root.empty()) return absl::InvalidArgumentError("--data ROOT is required");
  if (!options.vocabulary.class_names.empty()) {
    // Class i must be ground-truth label i: a file states that order plainly.
    return absl::InvalidArgumentError(
        "eval takes its classes from --classes FILE, not --class_names");
  }
  const int64_t limit = options.limit;
  if (limit < 0) {
    return absl::InvalidArgumentError(absl::StrCat("--limit must be 0 (all) or more, not ", limit));
  }
  const std::string& layout_flag = options.layout;
  absl::StatusOr<DatasetLayout> layout =
      FindDatasetLayout(layout_flag.empty() ? inputs.preset : layout_flag);
  if (!layout.ok() && layout_flag.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("no dataset layout is named like the preset \"",
                                                   inputs.preset, "\"; give --layout (",
                                                   absl::StrJoin(DatasetLayoutNames(), ", "), ")"));
  }
  RETURN_IF_ERROR(layout.status());
  inputs.layout = *std::move(layout);
  inputs.dataset = DatasetSettings{inputs.layout.name, root,
                                   inputs.layout.reduce_zero_label || options.reduce_zero_label,
                                   evaluation::kIgnoreIndex};

  ASSIGN_OR_RETURN(inputs.params,
                   pipeline::LoadPreset(pipeline::PresetsDirIn(configs), inputs.preset));
  RETURN_IF_ERROR(pipeline::ApplyOverrides(inputs.params, options.overrides));

  ASSIGN_OR_RETURN(inputs.samples, ListSamples(inputs.layout, root));
  inputs.dataset_images = static_cast<int64_t>(inputs.samples.size());
  if (limit > 0 && limit < inputs.dataset_images) inputs.samples.resize(limit);
  return inputs;
}

// The vocabulary of --classes (default: the preset's class file) and --descriptions, with the
// preset's background_first.
absl::StatusOr<text::VocabularySpec> ReadVocabulary(const EvalOptions& options,
                                                    const EvalInputs& inputs) {
  std::string classes = options.vocabulary.classes_file;
  if (classes.empty()) classes = pipeline::ClassFileIn(options.offline.configs, inputs.preset);
  const std::string& descriptions = options.vocabulary.descriptions_file;
  if (descriptions.empty()) {
    StatusLog(options.quiet)(
        "note: no --descriptions; the published numbers blend each class with its LLM text");
  }
  return text::LoadVocabularySpec(classes, descriptions, inputs.params.background_first);
}

struct Backend {
  std::unique_ptr<EvalSegmenter> segmenter;
  std::string settings_text;
  std::vector<std::string> class_names;
  EvalSummary summary;  // mode, model, server
};

absl::StatusOr<Backend> LocalBackend(const EvalOptions& options, const EvalInputs& inputs) {
  const auto log = StatusLog(options.quiet);
  const std::string& model = options.offline.model;
  const std::string& bpe = options.offline.bpe;
  if (bpe.empty()) return absl::InvalidArgumentError("--bpe is required with --model");
  if (options.concurrency > 1) {
    return absl::InvalidArgumentError(
        "--concurrency above 1 needs --server (in-process evaluation uses every core for one "
        "image; set --threads instead)");
  }
  ConfigureCpuThreads(options.offline.threads);
  ASSIGN_OR_RETURN(c10::Device device, ParseDevice(options.offline.device));
  ASSIGN_OR_RETURN(text::VocabularySpec vocabulary, ReadVocabulary(options, inputs));
  LocalSegmenterConfig config;
  config.bundle.checkpoint = model;
  config.bundle.device = device;
  config.bundle.bpe_vocabulary = bpe;
  config.bundle.templates_file = pipeline::TemplatesFileIn(options.offline.configs);
  // The settings (the cache key) name the templates; the bundle loads them again once an image
  // is not in the cache.
  ASSIGN_OR_RETURN(std::vector<std::string> templates,
                   text::LoadPromptTemplates(config.bundle.templates_file));
  log(absl::StrCat("hashing ", model, " (the cache key names its content)"));
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

  config.batch_memory_bytes = int64_t{options.offline.batch_memory_mb} << 20;
  config.vocabulary = std::move(vocabulary);
  config.params = inputs.params;
  config.log = log;
  backend.segmenter = std::make_unique<LocalSegmenter>(std::move(config));
  return backend;
}

absl::StatusOr<Backend> RemoteBackend(const EvalOptions& options, const EvalInputs& inputs) {
  const auto log = StatusLog(options.quiet);
  // --set splits in two: the text-side keys shape the vocabulary, the others go with each image.
  google::protobuf::Map<std::string, std::string> all_overrides;
  RETURN_IF_ERROR(ParseOverrides(options.overrides, &all_overrides));
  std::map<std::string, std::string> overrides;
  for (const auto& [key, value] : all_overrides) {
    if (!IsTextSideKey(key)) overrides[key] = value;
  }
  const std::string& vocabulary_id = options.vocabulary_id;
  v1::VocabularyDefinition definition;
  if (vocabulary_id.empty()) {
    ASSIGN_OR_RETURN(text::VocabularySpec vocabulary, ReadVocabulary(options, inputs));
    // The weight is left to the preset (the server then uses the preset's def_coefficient, as the
    // in-process mode does, and the id is the one `itaclip register` gives), unless --set
    // def_coefficient=... chose one.
    std::optional<double> weight;
    if (all_overrides.count("def_coefficient") > 0) weight = inputs.params.def_coefficient;
    definition = ToVocabularyDefinition(vocabulary, weight);
  } else if (options.vocabulary.has_classes() || !options.vocabulary.descriptions_file.empty()) {
    return absl::InvalidArgumentError(
        "give --vocabulary ID or a class file (--classes, --descriptions), not both");
  }
  ASSIGN_OR_RETURN(ChannelFactory channels, ChannelFactory::Connect(options.connection));
  const std::string target = channels.target();
  log(absl::StrCat("connecting to ", target));
  ASSIGN_OR_RETURN(std::unique_ptr<RemoteSegmenter> segmenter,
                   RemoteSegmenter::Connect(std::move(channels), definition, vocabulary_id,
                                            inputs.preset, overrides));
  const RemoteSession& session = segmenter->session();
  log(absl::StrCat("vocabulary ", session.vocabulary_id, ": ", session.num_classes,
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

absl::Status RunEvalCommand(const EvalOptions& options) {
  const absl::Time start = absl::Now();
  const auto log = StatusLog(options.quiet);
  ASSIGN_OR_RETURN(EvalInputs inputs, ReadInputs(options));
  log(absl::StrCat("dataset: ", inputs.samples.size(), " of ", inputs.dataset_images,
                   " images (layout ", inputs.layout.name, ", ", inputs.dataset.root, ")"));
  Backend backend;
  if (!options.offline.model.empty()) {
    ASSIGN_OR_RETURN(backend, LocalBackend(options, inputs));
  } else {
    ASSIGN_OR_RETURN(backend, RemoteBackend(options, inputs));
  }

  ResultCache cache;
  const std::string& cache_dir = options.cache_dir;
  if (!cache_dir.empty()) {
    ASSIGN_OR_RETURN(cache, ResultCache::Open(cache_dir, backend.settings_text));
  }
  EvalRunOptions run_options;
  run_options.num_classes = static_cast<int>(backend.class_names.size());
  run_options.ignore_index = inputs.dataset.ignore_index;
  run_options.reduce_zero_label = inputs.dataset.reduce_zero_label;
  run_options.concurrency = options.concurrency;
  run_options.save_predictions_dir = options.save_predictions;
  run_options.show_progress = !options.quiet;
  run_options.log = log;
  ASSIGN_OR_RETURN(EvalRunResult run,
                   RunEvaluation(inputs.samples, *backend.segmenter, cache, run_options));

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
  const std::string& json_path = options.json;
  if (!json_path.empty())
    RETURN_IF_ERROR(WriteBytes(json_path, FormatResultJson(summary, metrics)));
  log(absl::StrCat("segmented ", run.segmented, " images, ", run.cached, " from the cache, in ",
                   FormatClock(absl::Now() - start)));
  return absl::OkStatus();
}

}  // namespace itaclip::client
