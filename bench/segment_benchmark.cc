// Benchmark of the in-process pipeline: builds a vocabulary's text embeddings and segments a
// synthetic image of a given size with a preset, then prints ms per image, crops per second,
// images per second and peak memory. Core-only (no image codecs), so it also runs on the GPU
// machine. Without --model it uses random weights of the full ViT-B/16 shape.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <c10/core/InferenceMode.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "core/checkpoint/assemble_clip_weights.h"
#include "core/checkpoint/known_clip_configs.h"
#include "core/checkpoint/random_state_dict.h"
#include "core/clip/clip_model.h"
#include "core/clip/self_self_attention_mode.h"
#include "core/common/cpu_threads.h"
#include "core/common/device.h"
#include "core/common/device_memory.h"
#include "core/common/status_macros.h"
#include "core/pipeline/preset_file.h"
#include "core/pipeline/resize.h"
#include "core/pipeline/segmenter.h"
#include "core/pipeline/sliding_window.h"
#include "core/text/bpe_tokenizer.h"
#include "core/text/class_file.h"
#include "core/text/prompt_templates.h"
#include "core/text/text_embedder.h"

ABSL_FLAG(std::string, preset, "voc21", "preset name (configs/presets/NAME.conf)");
ABSL_FLAG(std::string, image_size, "640x480", "synthetic image size, WIDTHxHEIGHT");
ABSL_FLAG(std::string, model, "", "checkpoint; empty: random weights of --random_shape");
ABSL_FLAG(std::string, random_shape, "vit-b-16", "vit-b-16 or tiny (without --model)");
ABSL_FLAG(std::string, bpe, "", "BPE vocabulary file (required)");
ABSL_FLAG(std::string, classes, "", "class file (default: configs/classes/PRESET.txt)");
ABSL_FLAG(std::string, descriptions, "", "optional description file");
ABSL_FLAG(std::string, configs, ITACLIP_DEFAULT_CONFIG_DIR,
          "folder with presets/, templates/, classes/");
ABSL_FLAG(std::string, device, "cpu", "cpu, cuda or cuda:N");
ABSL_FLAG(std::string, attention, "",
          "self-self attention mode: materialized or weighted (empty: the build's default)");
ABSL_FLAG(int, iterations, 2, "timed images after one warm-up image (0: time the warm-up image)");
ABSL_FLAG(int, threads, 0, "LibTorch CPU threads (0: all cores)");
ABSL_FLAG(int, batch_memory_mb, 1024, "activation budget of one ViT batch, MiB");
ABSL_FLAG(int, max_crops_per_batch, 64, "upper bound on crops per ViT batch");
ABSL_FLAG(bool, text, true, "also time the vocabulary's text embeddings");
ABSL_FLAG(std::string, compare_device, "",
          "also segment the image on this device (e.g. cpu) with the same weights in its default "
          "dtype, and print the label agreement and the largest score difference");

namespace itaclip {
namespace {

absl::StatusOr<clip::SelfSelfAttentionMode> AttentionMode() {
  const std::string text = absl::GetFlag(FLAGS_attention);
  if (text.empty()) return clip::DefaultSelfSelfAttentionMode();
  return clip::ParseSelfSelfAttentionMode(text);
}

absl::StatusOr<std::unique_ptr<clip::ClipModel>> MakeModel(c10::Device device) {
  // The same weights on every device: --model, or random weights from a fixed seed.
  const c10::ScalarType dtype = DefaultComputeDtype(device);
  ASSIGN_OR_RETURN(const clip::SelfSelfAttentionMode mode, AttentionMode());
  if (!absl::GetFlag(FLAGS_model).empty()) {
    return clip::ClipModel::Load(absl::GetFlag(FLAGS_model), device, dtype, mode);
  }
  ASSIGN_OR_RETURN(const checkpoint::ClipConfig config,
                   checkpoint::KnownClipConfig(absl::GetFlag(FLAGS_random_shape)));
  ASSIGN_OR_RETURN(checkpoint::ClipWeights weights,
                   checkpoint::AssembleClipWeights(checkpoint::MakeRandomClipStateDict(config, 1),
                                                   config, checkpoint::LoadOptions{device, dtype}));
  return std::make_unique<clip::ClipModel>(std::move(weights), mode);
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
                            const std::vector<std::string>& templates,
                            const text::BpeTokenizer& tokenizer,
                            const pipeline::PipelineParams& params, const clip::ClipModel& model,
                            const text::QueryEmbeddings& queries,
                            const pipeline::Segmenter& segmenter) {
  ASSIGN_OR_RETURN(c10::Device other_device, ParseDevice(absl::GetFlag(FLAGS_compare_device)));
  ASSIGN_OR_RETURN(std::unique_ptr<clip::ClipModel> other, MakeModel(other_device));
  text::TextEmbedder other_embedder(*other, tokenizer, templates);
  ASSIGN_OR_RETURN(text::QueryEmbeddings other_queries,
                   other_embedder.Embed(vocabulary, params.def_coefficient));
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
  std::printf(
      "COMPARE %s(%s) vs %s(%s): label agreement %.5f, max |score diff| %.3g, "
      "min query-embedding cosine %.6f\n",
      model.device().str().c_str(), c10::toString(model.dtype()), other->device().str().c_str(),
      c10::toString(other->dtype()), agreement, max_diff, text_cosine);
  return absl::OkStatus();
}

absl::Status Run() {
  ConfigureCpuThreads(absl::GetFlag(FLAGS_threads));
  ASSIGN_OR_RETURN(c10::Device device, ParseDevice(absl::GetFlag(FLAGS_device)));
  const std::string configs = absl::GetFlag(FLAGS_configs);
  const std::string preset = absl::GetFlag(FLAGS_preset);
  ASSIGN_OR_RETURN(pipeline::PipelineParams params,
                   pipeline::LoadPreset(configs + "/presets", preset));
  ASSIGN_OR_RETURN(cv::Size size, ParseSize(absl::GetFlag(FLAGS_image_size)));
  std::string classes = absl::GetFlag(FLAGS_classes);
  if (classes.empty()) classes = configs + "/classes/" + preset + ".txt";
  ASSIGN_OR_RETURN(text::VocabularySpec vocabulary,
                   text::LoadVocabularySpec(classes, absl::GetFlag(FLAGS_descriptions),
                                            params.background_first));
  ASSIGN_OR_RETURN(std::vector<std::string> templates,
                   text::LoadPromptTemplates(configs + "/templates/openai_imagenet_80.txt"));
  ASSIGN_OR_RETURN(text::BpeTokenizer tokenizer,
                   text::BpeTokenizer::Load(absl::GetFlag(FLAGS_bpe)));
  ASSIGN_OR_RETURN(std::unique_ptr<clip::ClipModel> model, MakeModel(device));

  const cv::Size resized = pipeline::RescaledSize(size, params.short_side, params.long_side_limit);
  const size_t crops =
      pipeline::SlidingWindows(resized.height, resized.width, params.crop_size, params.stride)
          .size();
  int64_t names = 0, descriptions = 0;
  for (const text::ClassSpec& c : vocabulary.classes) {
    names += static_cast<int64_t>(c.names.size());
    descriptions += c.description.empty() ? 0 : 1;
  }
  const std::string attention(clip::SelfSelfAttentionModeName(model->attention_mode()));
  std::printf("device=%s dtype=%s threads=%d attention=%s model=%s\n", device.str().c_str(),
              c10::toString(model->dtype()), at::get_num_threads(), attention.c_str(),
              model->config().DebugString().c_str());
  std::printf(
      "preset=%s image=%dx%d resized=%dx%d crops=%zu vit_passes=%zu queries=%lld classes=%zu\n",
      preset.c_str(), size.width, size.height, resized.width, resized.height, crops, 5 * crops,
      static_cast<long long>(names), vocabulary.classes.size());

  text::TextEmbedder embedder(*model, tokenizer, templates);
  absl::Time start = absl::Now();
  ASSIGN_OR_RETURN(text::QueryEmbeddings queries,
                   embedder.Embed(vocabulary, params.def_coefficient));
  SynchronizeDevice(device);
  const double text_ms = absl::ToDoubleMilliseconds(absl::Now() - start);
  if (absl::GetFlag(FLAGS_text)) {
    const int64_t prompts = (names + descriptions) * static_cast<int64_t>(templates.size());
    std::printf(
        "text: %lld names + %lld descriptions x %zu templates = %lld prompts: %.1f ms "
        "(%.0f prompts/s)\n",
        static_cast<long long>(names), static_cast<long long>(descriptions), templates.size(),
        static_cast<long long>(prompts), text_ms, prompts / (text_ms / 1000.0));
  }

  pipeline::SegmenterOptions options;
  options.batch_memory_bytes = int64_t{absl::GetFlag(FLAGS_batch_memory_mb)} << 20;
  options.max_crops_per_batch = absl::GetFlag(FLAGS_max_crops_per_batch);
  pipeline::Segmenter segmenter(*model, options);
  const cv::Mat image = SyntheticImage(size);
  ResetPeakDeviceMemory(device);
  std::vector<double> totals;
  for (int i = 0; i <= absl::GetFlag(FLAGS_iterations); ++i) {
    start = absl::Now();
    ASSIGN_OR_RETURN(pipeline::Segmentation result,
                     segmenter.Segment(image, queries, params, /*want_scores=*/false));
    SynchronizeDevice(device);
    const double ms = absl::ToDoubleMilliseconds(absl::Now() - start);
    std::printf("%s: %.1f ms (preprocess %.1f, model %.1f, postprocess %.1f)\n",
                i == 0 ? "warm-up" : "image", ms, result.timings.preprocess_ms,
                result.timings.model_ms, result.timings.postprocess_ms);
    // With --iterations 0 the warm-up image is the only measurement.
    if (i > 0 || absl::GetFlag(FLAGS_iterations) == 0) totals.push_back(ms);
  }
  if (!absl::GetFlag(FLAGS_compare_device).empty()) {
    RETURN_IF_ERROR(CompareDevices(image, vocabulary, templates, tokenizer, params, *model, queries,
                                   segmenter));
  }
  std::sort(totals.begin(), totals.end());
  const double median = totals.empty() ? 0 : totals[totals.size() / 2];
  std::printf(
      "RESULT preset=%s image=%dx%d device=%s attention=%s ms_per_image=%.1f images_per_s=%.3f "
      "crops_per_s=%.1f peak_rss_mib=%.0f peak_device_mib=%.0f\n",
      preset.c_str(), size.width, size.height, device.str().c_str(), attention.c_str(), median,
      1000.0 / median, crops / (median / 1000.0), Mib(PeakResidentBytes()),
      Mib(GetDeviceMemoryStats(device).peak_allocated_bytes));
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
