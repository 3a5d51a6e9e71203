// Benchmark of the in-process pipeline. For each preset (--preset a,b,...) it builds the preset's
// vocabulary's text embeddings, then segments a synthetic image of each size (--image_size
// WxH,...), and prints ms per image, images/s, crops/s, the stage split, peak memory and the ATen
// ops dispatched per image (a proxy for CUDA kernel launches, bench/op_counter.h); the same for the
// text side; and PAMR's two propagations side by side. Ends with a table of every figure. One
// model load for the whole matrix. Core-only (no image codecs), so it also runs on the GPU
// machine. Without --model it uses random weights of the full ViT-B/16 shape.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <c10/core/InferenceMode.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <opencv2/core.hpp>
#include <optional>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "bench/op_counter.h"
#include "bench/vit_flops.h"
#include "core/clip/clip_model.h"
#include "core/clip/self_self_attention_mode.h"
#include "core/common/cpu_threads.h"
#include "core/common/device.h"
#include "core/common/device_memory.h"
#include "core/common/status_macros.h"
#include "core/pipeline/configs_folder.h"
#include "core/pipeline/image_views.h"
#include "core/pipeline/model_bundle.h"
#include "core/pipeline/pamr.h"
#include "core/pipeline/resize.h"
#include "core/pipeline/segmenter.h"
#include "core/pipeline/sliding_window.h"
#include "core/text/bpe_tokenizer.h"
#include "core/text/class_file.h"
#include "core/text/prompt_templates.h"
#include "core/text/text_embedder.h"

ABSL_FLAG(std::string, preset, "voc21",
          "preset names (configs/presets/NAME.conf), comma-separated");
ABSL_FLAG(std::string, image_size, "640x480",
          "synthetic image sizes, WIDTHxHEIGHT, comma-separated");
ABSL_FLAG(std::string, model, "", "checkpoint; empty: random weights of --random_shape");
ABSL_FLAG(std::string, random_shape, "vit-b-16", "vit-b-16 or tiny (without --model)");
ABSL_FLAG(std::string, bpe, "", "BPE vocabulary file (required)");
ABSL_FLAG(std::string, classes, "",
          "class file (default: configs/classes/PRESET.txt); only with a single preset");
ABSL_FLAG(std::string, descriptions, "",
          "optional description file, or a folder holding PRESET_definitions.txt or "
          "PRESET_synonyms.txt (the published names) for each preset");
ABSL_FLAG(std::string, configs, ITACLIP_DEFAULT_CONFIG_DIR,
          "folder with presets/, templates/, classes/");
ABSL_FLAG(std::string, device, "cpu", "cpu, cuda or cuda:N");
ABSL_FLAG(std::string, attention, "",
          "self-self attention mode: materialized or weighted (empty: the device's default)");
ABSL_FLAG(int, iterations, 2, "timed images after one warm-up image (0: time the warm-up image)");
ABSL_FLAG(int, threads, 0, "LibTorch CPU threads (0: the CPUs this process may use)");
ABSL_FLAG(int, batch_memory_mb, 1024, "activation budget of one ViT batch, MiB");
ABSL_FLAG(int, max_crops_per_batch, 64, "upper bound on crops per ViT batch");
ABSL_FLAG(bool, text, true, "print the text side's figures (the embeddings are built anyway)");
ABSL_FLAG(bool, pamr_compare, true,
          "also time PAMR's two propagations on a random mask of each preset's queries at each "
          "image size");
ABSL_FLAG(std::string, pamr, "",
          "PAMR propagation of the segmented images: shifted_views or sparse_matrix (empty: the "
          "device's default)");
ABSL_FLAG(bool, count_ops, true, "count the ATen ops dispatched per image and per vocabulary");
ABSL_FLAG(std::string, compare_device, "",
          "also segment the image on this device (e.g. cpu) with the same weights in its default "
          "dtype, and print the label agreement and the largest score difference");

namespace itaclip {
namespace {

using bench::OpCounter;
using bench::OpCounts;

absl::StatusOr<std::optional<clip::SelfSelfAttentionMode>> AttentionMode() {
  const std::string text = absl::GetFlag(FLAGS_attention);
  if (text.empty()) return std::nullopt;  // the device's default
  return clip::ParseSelfSelfAttentionMode(text);
}

// The model bundle on `device`: the same weights on every device (--model, or random weights of
// --random_shape from a fixed seed), with `presets` loaded.
absl::StatusOr<pipeline::ModelBundle> LoadBundle(c10::Device device,
                                                 const std::vector<std::string>& presets) {
  const std::string configs = absl::GetFlag(FLAGS_configs);
  pipeline::ModelBundleOptions options;
  options.checkpoint = absl::GetFlag(FLAGS_model);
  if (options.checkpoint.empty()) options.random_weights_shape = absl::GetFlag(FLAGS_random_shape);
  options.device = device;
  ASSIGN_OR_RETURN(options.attention_mode, AttentionMode());
  options.bpe_vocabulary = absl::GetFlag(FLAGS_bpe);
  options.templates_file = pipeline::TemplatesFileIn(configs);
  if (!presets.empty()) {
    options.presets_dir = pipeline::PresetsDirIn(configs);
    options.preset_names = presets;
  }
  return pipeline::ModelBundle::Load(options);
}

absl::StatusOr<cv::Size> ParseSize(const std::string& text) {
  std::vector<std::string> parts = absl::StrSplit(text, 'x');
  int w = 0, h = 0;
  if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &w) || !absl::SimpleAtoi(parts[1], &h) ||
      w <= 0 || h <= 0) {
    return absl::InvalidArgumentError("--image_size must be WIDTHxHEIGHT");
  }
  return cv::Size(w, h);
}

// A smooth, deterministic test pattern: timing does not depend on content.
cv::Mat SyntheticImage(cv::Size size) {
  cv::Mat image(size, CV_8UC3);
  cv::RNG rng(1234);
  rng.fill(image, cv::RNG::UNIFORM, 0, 256);
  for (int r = 0; r < image.rows; ++r) {
    for (int c = 0; c < image.cols; ++c) {
      cv::Vec3b& p = image.at<cv::Vec3b>(r, c);
      p[0] = static_cast<uint8_t>((p[0] / 4) + (r * 191) / std::max(1, image.rows));
      p[1] = static_cast<uint8_t>((p[1] / 4) + (c * 191) / std::max(1, image.cols));
    }
  }
  return image;
}

double Mib(int64_t bytes) { return static_cast<double>(bytes) / (1 << 20); }

// Segments `image` on --compare_device as well and prints how far the two results are apart.
absl::Status CompareDevices(const cv::Mat& image, const text::VocabularySpec& vocabulary,
                            const pipeline::PipelineParams& params, const clip::ClipModel& model,
                            const text::QueryEmbeddings& queries,
                            const pipeline::Segmenter& segmenter) {
  ASSIGN_OR_RETURN(c10::Device other_device, ParseDevice(absl::GetFlag(FLAGS_compare_device)));
  ASSIGN_OR_RETURN(const pipeline::ModelBundle other_bundle,
                   LoadBundle(other_device, /*presets=*/{}));
  const clip::ClipModel* other = other_bundle.model.get();
  ASSIGN_OR_RETURN(text::QueryEmbeddings other_queries,
                   other_bundle.embedder->Embed(vocabulary, params.def_coefficient));
  pipeline::Segmenter other_segmenter(*other, pipeline::SegmenterOptions{});
  ASSIGN_OR_RETURN(pipeline::Segmentation a,
                   segmenter.Segment(image, queries, params, /*want_scores=*/true));
  ASSIGN_OR_RETURN(pipeline::Segmentation b,
                   other_segmenter.Segment(image, other_queries, params, /*want_scores=*/true));
  const double agreement =
      1.0 - static_cast<double>(cv::countNonZero(a.labels != b.labels)) / a.labels.total();
  const double max_diff = (a.scores - b.scores).abs().max().item<double>();
  const double text_cosine =
      at::cosine_similarity(queries.embeddings.cpu(), other_queries.embeddings.cpu(), 1)
          .min()
          .item<double>();
  // Random weights make many pixels near-ties (183 probabilities all close to 1/183), where any
  // rounding flips the argmax: also report the agreement on the pixels whose best two classes are
  // at least kDecisiveMargin apart on the other device.
  constexpr double kDecisiveMargin = 1e-3;
  const at::Tensor top2 = std::get<0>(b.scores.topk(2, 0));
  const at::Tensor decisive = (top2[0] - top2[1]) >= kDecisiveMargin;
  const at::Tensor same =
      at::from_blob(cv::Mat(a.labels == b.labels).data, {a.labels.rows, a.labels.cols}, at::kByte)
          .to(at::kBool);
  const int64_t decisive_pixels = decisive.sum().item<int64_t>();
  const double decisive_agreement =
      decisive_pixels == 0
          ? 1.0
          : static_cast<double>((same & decisive).sum().item<int64_t>()) / decisive_pixels;
  std::printf(
      "COMPARE %s(%s) vs %s(%s): label agreement %.5f (%.5f on the %.1f%% of pixels whose top two "
      "classes are >= %g apart), max |score diff| %.3g, min query-embedding cosine %.6f\n",
      model.device().str().c_str(), c10::toString(model.dtype()), other->device().str().c_str(),
      c10::toString(other->dtype()), agreement, decisive_agreement,
      100.0 * decisive_pixels / static_cast<double>(a.labels.total()), kDecisiveMargin, max_diff,
      text_cosine);
  return absl::OkStatus();
}

// --descriptions for `preset`: the file itself, or the preset's published file in the folder.
absl::StatusOr<std::string> DescriptionsFor(const std::string& preset) {
  const std::string flag = absl::GetFlag(FLAGS_descriptions);
  if (flag.empty() || !std::filesystem::is_directory(flag)) return flag;
  if (std::optional<std::string> path = pipeline::PublishedDescriptionFileIn(flag, preset)) {
    return *path;
  }
  return absl::NotFoundError(absl::StrCat("--descriptions ", flag, " has no ", preset,
                                          "_definitions.txt or ", preset, "_synonyms.txt"));
}

const char* PropagationName(pipeline::PamrPropagation propagation) {
  return propagation == pipeline::PamrPropagation::kSparseMatrix ? "sparse_matrix"
                                                                 : "shifted_views";
}

absl::StatusOr<std::optional<pipeline::PamrPropagation>> PamrPropagationFlag() {
  const std::string name = absl::GetFlag(FLAGS_pamr);
  if (name.empty()) return std::nullopt;
  if (name == "shifted_views") return pipeline::PamrPropagation::kShiftedViews;
  if (name == "sparse_matrix") return pipeline::PamrPropagation::kSparseMatrix;
  return absl::InvalidArgumentError(
      absl::StrCat("--pamr must be shifted_views or sparse_matrix, not \"", name, "\""));
}

// The time to tokenize every prompt of `strings` (TextEmbedder::EncodedStrings) with a freshly
// loaded tokenizer, i.e. an empty word cache, on one thread.
absl::StatusOr<double> TokenizeMilliseconds(const std::vector<std::string>& strings,
                                            const std::vector<std::string>& templates,
                                            int context_length) {
  ASSIGN_OR_RETURN(const text::BpeTokenizer tokenizer,
                   text::BpeTokenizer::Load(absl::GetFlag(FLAGS_bpe)));
  const absl::Time start = absl::Now();
  for (const std::string& s : strings) {
    for (const std::string& tmpl : templates) {
      RETURN_IF_ERROR(tokenizer.Tokenize(text::FillTemplate(tmpl, s), context_length).status());
    }
  }
  return absl::ToDoubleMilliseconds(absl::Now() - start);
}

// One row of the closing table.
struct Row {
  std::string preset, image;
  double ms = 0, preprocess_ms = 0, model_ms = 0, postprocess_ms = 0;
  size_t crops = 0;
  double vit_gflop = 0;  // matrix products of all ViT passes of one image (bench/vit_flops.h)
  double peak_device_mib = 0;
  std::optional<OpCounts> ops;
};

struct TextRow {
  std::string preset;
  int64_t prompts = 0;
  double ms = 0, peak_device_mib = 0;
  std::optional<OpCounts> ops;
};

double Median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

std::string OpsText(const std::optional<OpCounts>& ops) {
  if (!ops) return "-";
  return absl::StrCat(ops->compute_ops, " ops, ", ops->scalar_reads, " scalar reads");
}

// PAMR alone on a random [Q, H, W] mask and the image as guide, with both propagations.
absl::Status ComparePamr(const std::string& preset, const cv::Size& size, int64_t queries,
                         const pipeline::PipelineParams& params, c10::Device device) {
  c10::InferenceMode inference;
  at::manual_seed(7);
  const at::TensorOptions options = at::TensorOptions().device(device);
  const at::Tensor guide = at::randn({1, 3, size.height, size.width}, options);
  const at::Tensor mask = at::randn({queries, size.height, size.width}, options);
  double ms[2] = {0, 0};
  at::Tensor out[2];
  const pipeline::PamrPropagation kinds[2] = {pipeline::PamrPropagation::kShiftedViews,
                                              pipeline::PamrPropagation::kSparseMatrix};
  for (int round = 0; round < 2; ++round) {  // the first round warms up
    for (int i = 0; i < 2; ++i) {
      SynchronizeDevice(device);
      const absl::Time start = absl::Now();
      out[i] = pipeline::Pamr(guide, mask, params.pamr_steps, params.pamr_dilations, kinds[i]);
      SynchronizeDevice(device);
      ms[i] = absl::ToDoubleMilliseconds(absl::Now() - start);
    }
  }
  std::printf(
      "PAMR preset=%s image=%dx%d queries=%lld steps=%d shifted_views_ms=%.1f "
      "sparse_matrix_ms=%.1f max_diff=%.3g default=%s\n",
      preset.c_str(), size.width, size.height, static_cast<long long>(queries), params.pamr_steps,
      ms[0], ms[1], (out[0] - out[1]).abs().max().item<double>(),
      PropagationName(pipeline::DefaultPamrPropagation(device)));
  return absl::OkStatus();
}

absl::Status Run() {
  ConfigureCpuThreads(absl::GetFlag(FLAGS_threads));
  ASSIGN_OR_RETURN(c10::Device device, ParseDevice(absl::GetFlag(FLAGS_device)));
  const std::string configs = absl::GetFlag(FLAGS_configs);
  const std::vector<std::string> presets =
      absl::StrSplit(absl::GetFlag(FLAGS_preset), ',', absl::SkipEmpty());
  std::vector<cv::Size> sizes;
  for (absl::string_view text :
       absl::StrSplit(absl::GetFlag(FLAGS_image_size), ',', absl::SkipEmpty())) {
    ASSIGN_OR_RETURN(cv::Size size, ParseSize(std::string(text)));
    sizes.push_back(size);
  }
  if (presets.empty() || sizes.empty()) {
    return absl::InvalidArgumentError("--preset and --image_size need at least one value each");
  }
  if (!absl::GetFlag(FLAGS_classes).empty() && presets.size() != 1) {
    return absl::InvalidArgumentError("--classes needs a single --preset");
  }
  ASSIGN_OR_RETURN(const pipeline::ModelBundle bundle, LoadBundle(device, presets));
  const clip::ClipModel* model = bundle.model.get();
  const std::vector<std::string>& templates = bundle.templates;
  const std::string attention(clip::SelfSelfAttentionModeName(model->attention_mode()));
  pipeline::SegmenterOptions options;
  options.batch_memory_bytes = int64_t{absl::GetFlag(FLAGS_batch_memory_mb)} << 20;
  options.max_crops_per_batch = absl::GetFlag(FLAGS_max_crops_per_batch);
  ASSIGN_OR_RETURN(options.pamr_propagation, PamrPropagationFlag());
  pipeline::Segmenter segmenter(*model, options);
  const pipeline::PamrPropagation propagation =
      options.pamr_propagation.value_or(pipeline::DefaultPamrPropagation(device));
  std::printf("device=%s dtype=%s threads=%d attention=%s pamr=%s model=%s\n", device.str().c_str(),
              c10::toString(model->dtype()), at::get_num_threads(), attention.c_str(),
              PropagationName(propagation), model->config().DebugString().c_str());
  std::optional<OpCounter> counter;
  if (absl::GetFlag(FLAGS_count_ops)) counter.emplace();
  std::vector<Row> rows;
  std::vector<TextRow> text_rows;

  for (const std::string& preset : presets) {
    const pipeline::PipelineParams& params = bundle.presets.at(preset);
    std::string classes = absl::GetFlag(FLAGS_classes);
    if (classes.empty()) classes = pipeline::ClassFileIn(configs, preset);
    ASSIGN_OR_RETURN(const std::string descriptions, DescriptionsFor(preset));
    ASSIGN_OR_RETURN(text::VocabularySpec vocabulary,
                     text::LoadVocabularySpec(classes, descriptions, params.background_first));
    int64_t names = 0;
    for (const text::ClassSpec& c : vocabulary.classes) {
      names += static_cast<int64_t>(c.names.size());
    }
    const std::vector<std::string> encoded =
        text::TextEmbedder::EncodedStrings(vocabulary, params.def_coefficient);
    const int64_t blended = static_cast<int64_t>(encoded.size()) - names;

    ASSIGN_OR_RETURN(
        const double tokenize_ms,
        TokenizeMilliseconds(encoded, templates, static_cast<int>(model->config().context_length)));
    ResetPeakDeviceMemory(device);
    if (counter) counter->Reset();
    absl::Time start = absl::Now();
    ASSIGN_OR_RETURN(text::QueryEmbeddings queries,
                     bundle.embedder->Embed(vocabulary, params.def_coefficient));
    SynchronizeDevice(device);
    TextRow text_row;
    text_row.preset = preset;
    text_row.ms = absl::ToDoubleMilliseconds(absl::Now() - start);
    if (counter) text_row.ops = counter->counts();
    text_row.peak_device_mib = Mib(GetDeviceMemoryStats(device).peak_allocated_bytes);
    text_row.prompts =
        static_cast<int64_t>(encoded.size()) * static_cast<int64_t>(templates.size());
    if (absl::GetFlag(FLAGS_text)) {
      std::printf(
          "TEXT preset=%s classes=%zu names=%lld descriptions=%lld templates=%zu prompts=%lld "
          "ms=%.1f (tokenizing on one thread, cold cache: %.1f) prompts_per_s=%.0f "
          "peak_device_mib=%.0f "
          "ops=%s\n",
          preset.c_str(), vocabulary.classes.size(), static_cast<long long>(names),
          static_cast<long long>(blended), templates.size(),
          static_cast<long long>(text_row.prompts), text_row.ms, tokenize_ms,
          text_row.prompts / (text_row.ms / 1000.0), text_row.peak_device_mib,
          OpsText(text_row.ops).c_str());
      text_rows.push_back(text_row);
    }

    for (const cv::Size& size : sizes) {
      const cv::Size resized =
          pipeline::RescaledSize(size, params.short_side, params.long_side_limit);
      Row row;
      row.preset = preset;
      row.image = absl::StrCat(size.width, "x", size.height);
      const std::vector<pipeline::Window> windows =
          pipeline::SlidingWindows(resized.height, resized.width, params.crop_size, params.stride);
      row.crops = windows.size();
      for (const pipeline::Window& w : windows) {
        row.vit_gflop +=
            pipeline::kNumViews * VitFlopsPerPass(model->config(), w.y2 - w.y1, w.x2 - w.x1) / 1e9;
      }
      const cv::Mat image = SyntheticImage(size);
      std::vector<double> totals, preprocess, model_ms, postprocess;
      for (int i = 0; i <= absl::GetFlag(FLAGS_iterations); ++i) {
        ResetPeakDeviceMemory(device);
        if (counter) counter->Reset();
        start = absl::Now();
        ASSIGN_OR_RETURN(pipeline::Segmentation result,
                         segmenter.Segment(image, queries, params, /*want_scores=*/false));
        SynchronizeDevice(device);
        const double ms = absl::ToDoubleMilliseconds(absl::Now() - start);
        if (counter) row.ops = counter->counts();
        row.peak_device_mib =
            std::max(row.peak_device_mib, Mib(GetDeviceMemoryStats(device).peak_allocated_bytes));
        std::printf("%s %s %dx%d: %.1f ms (preprocess %.1f, model %.1f, postprocess %.1f)\n",
                    i == 0 ? "warm-up" : "image", preset.c_str(), size.width, size.height, ms,
                    result.timings.preprocess_ms, result.timings.model_ms,
                    result.timings.postprocess_ms);
        // With --iterations 0 the warm-up image is the only measurement.
        if (i > 0 || absl::GetFlag(FLAGS_iterations) == 0) {
          totals.push_back(ms);
          preprocess.push_back(result.timings.preprocess_ms);
          model_ms.push_back(result.timings.model_ms);
          postprocess.push_back(result.timings.postprocess_ms);
        }
      }
      row.ms = Median(totals);
      row.preprocess_ms = Median(preprocess);
      row.model_ms = Median(model_ms);
      row.postprocess_ms = Median(postprocess);
      std::printf(
          "RESULT preset=%s image=%s resized=%dx%d crops=%zu vit_passes=%zu queries=%lld "
          "device=%s attention=%s pamr=%s ms_per_image=%.1f images_per_s=%.3f crops_per_s=%.1f "
          "preprocess_ms=%.1f model_ms=%.1f model_gflop_per_s=%.1f postprocess_ms=%.1f "
          "peak_rss_mib=%.0f peak_device_mib=%.0f ops_per_image=%s\n",
          preset.c_str(), row.image.c_str(), resized.width, resized.height, row.crops,
          pipeline::kNumViews * row.crops, static_cast<long long>(names), device.str().c_str(),
          attention.c_str(), PropagationName(propagation), row.ms, 1000.0 / row.ms,
          row.crops / (row.ms / 1000.0), row.preprocess_ms, row.model_ms,
          row.vit_gflop / (row.model_ms / 1000.0), row.postprocess_ms, Mib(PeakResidentBytes()),
          row.peak_device_mib, OpsText(row.ops).c_str());
      rows.push_back(row);
      if (absl::GetFlag(FLAGS_pamr_compare) && params.pamr_steps > 0) {
        RETURN_IF_ERROR(ComparePamr(preset, size, queries.embeddings.size(0), params, device));
      }
      if (!absl::GetFlag(FLAGS_compare_device).empty()) {
        RETURN_IF_ERROR(CompareDevices(image, vocabulary, params, *model, queries, segmenter));
      }
    }
  }

  std::printf(
      "\n| preset | image | crops | ms/image | images/s | crops/s | preprocess / model / "
      "postprocess ms | model GFLOP/s | peak device MiB | ops per image "
      "|\n|---|---|---|---|---|---|---|---|---|---|\n");
  for (const Row& r : rows) {
    std::printf("| %s | %s | %zu | %.1f | %.2f | %.0f | %.1f / %.1f / %.1f | %.1f | %.0f | %s |\n",
                r.preset.c_str(), r.image.c_str(), r.crops, r.ms, 1000.0 / r.ms,
                r.crops / (r.ms / 1000.0), r.preprocess_ms, r.model_ms, r.postprocess_ms,
                r.vit_gflop / (r.model_ms / 1000.0), r.peak_device_mib, OpsText(r.ops).c_str());
  }
  if (!text_rows.empty()) {
    std::printf(
        "\n| vocabulary | prompts | ms | prompts/s | peak device MiB | ops |\n"
        "|---|---|---|---|---|---|\n");
    for (const TextRow& t : text_rows) {
      std::printf("| %s | %lld | %.1f | %.0f | %.0f | %s |\n", t.preset.c_str(),
                  static_cast<long long>(t.prompts), t.ms, t.prompts / (t.ms / 1000.0),
                  t.peak_device_mib, OpsText(t.ops).c_str());
    }
  }
  return absl::OkStatus();
}

}  // namespace
}  // namespace itaclip

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // figures appear as they are measured
  const absl::Status status = itaclip::Run();
  if (!status.ok()) {
    std::fprintf(stderr, "segment_benchmark: %s\n", std::string(status.message()).c_str());
    return 1;
  }
  return 0;
}
