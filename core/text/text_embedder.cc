#include "core/text/text_embedder.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <c10/core/InferenceMode.h>

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/common/device.h"
#include "core/common/status_macros.h"
#include "core/common/torch_error_guard.h"
#include "core/text/prompt_templates.h"
#include "core/text/text_cleaner.h"

namespace itaclip::text {
namespace {

at::Tensor L2Normalize(const at::Tensor& x) { return x / x.norm(2, -1, /*keepdim=*/true); }

absl::Status CheckSpec(const VocabularySpec& spec, double description_weight) {
  if (spec.classes.empty()) return absl::InvalidArgumentError("the vocabulary has no classes");
  if (!(description_weight >= 0.0 && description_weight <= 1.0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("description weight ", description_weight, " is outside [0, 1]"));
  }
  for (size_t c = 0; c < spec.classes.size(); ++c) {
    if (spec.classes[c].names.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("class ", c, " has no name"));
    }
    for (size_t n = 0; n < spec.classes[c].names.size(); ++n) {
      if (absl::Status status = CheckHasTextOnceCleaned(spec.classes[c].names[n]); !status.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("name ", n, " of class ", c, ": ", status.message()));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace

TextEmbedder::TextEmbedder(const clip::ClipModel& model, const BpeTokenizer& tokenizer,
                           std::vector<std::string> templates)
    : model_(model), tokenizer_(tokenizer), templates_(std::move(templates)) {}

absl::StatusOr<at::Tensor> TextEmbedder::EnsembleEmbeddings(
    const std::vector<std::string>& strings, const clip::TextEncodeOptions& options) const {
  const int context = static_cast<int>(model_.config().context_length);
  const size_t per_string = templates_.size();
  std::vector<std::vector<int32_t>> sequences(strings.size() * per_string);
  // Tokenizing is host work of a few microseconds per prompt (28320 prompts for COCO-Stuff: tens
  // of milliseconds on one core), independent per string: spread over LibTorch's intra-op threads.
  // The tokenizer's word cache is shared and locked.
  std::vector<absl::Status> errors(strings.size());
  at::parallel_for(0, static_cast<int64_t>(strings.size()), 1, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      for (size_t t = 0; t < per_string; ++t) {
        absl::StatusOr<std::vector<int32_t>> ids = tokenizer_.Tokenize(
            FillTemplate(templates_[t], strings[static_cast<size_t>(i)]), context);
        if (!ids.ok()) {
          errors[static_cast<size_t>(i)] = ids.status();
          break;
        }
        sequences[static_cast<size_t>(i) * per_string + t] = *std::move(ids);
      }
    }
  });
  for (const absl::Status& error : errors) RETURN_IF_ERROR(error);
  ASSIGN_OR_RETURN(at::Tensor prompts, model_.EncodeTexts(sequences, options));
  return GuardTorch("prompt ensemble", [&]() -> absl::StatusOr<at::Tensor> {
    c10::InferenceMode inference;
    const int64_t count = static_cast<int64_t>(strings.size());
    at::Tensor grouped =
        L2Normalize(prompts).view({count, static_cast<int64_t>(per_string), prompts.size(1)});
    return L2Normalize(grouped.mean(1));
  });
}

std::vector<std::string> TextEmbedder::EncodedStrings(const VocabularySpec& spec,
                                                      double description_weight) {
  std::vector<std::string> strings;
  for (const ClassSpec& c : spec.classes) {
    strings.insert(strings.end(), c.names.begin(), c.names.end());
  }
  for (size_t c = 0; c < spec.classes.size(); ++c) {
    if (IsDescriptionBlended(spec, c, description_weight))
      strings.push_back(spec.classes[c].description);
  }
  return strings;
}

absl::StatusOr<QueryEmbeddings> TextEmbedder::Embed(const VocabularySpec& spec,
                                                    double description_weight,
                                                    const clip::TextEncodeOptions& options) const {
  RETURN_IF_ERROR(CheckSpec(spec, description_weight));
  QueryEmbeddings result;
  const std::vector<std::string> strings = EncodedStrings(spec, description_weight);
  for (size_t c = 0; c < spec.classes.size(); ++c) {
    result.class_names.push_back(spec.classes[c].names.front());
    result.query_class.insert(result.query_class.end(), spec.classes[c].names.size(),
                              static_cast<int>(c));
  }
  const int64_t num_queries = static_cast<int64_t>(result.query_class.size());
  // Where each blended class's description sits in `strings` (after the names, in class order).
  std::vector<int64_t> description_row(spec.classes.size(), -1);
  int64_t next_row = num_queries;
  for (size_t c = 0; c < spec.classes.size(); ++c) {
    if (IsDescriptionBlended(spec, c, description_weight)) description_row[c] = next_row++;
  }
  ASSIGN_OR_RETURN(at::Tensor ensembles, EnsembleEmbeddings(strings, options));
  ASSIGN_OR_RETURN(
      result.embeddings, GuardTorch("description blend", [&]() -> absl::StatusOr<at::Tensor> {
        c10::InferenceMode inference;
        at::Tensor queries = ensembles.slice(0, 0, num_queries).clone();
        // All blended queries in three whole-tensor ops (not a pair per query).
        std::vector<int64_t> blended, descriptions;
        for (int64_t q = 0; q < num_queries; ++q) {
          const int64_t row = description_row[result.query_class[q]];
          if (row < 0) continue;
          blended.push_back(q);
          descriptions.push_back(row);
        }
        if (blended.empty()) return queries;
        const c10::Device device = queries.device();
        const at::Tensor blended_rows = UploadToDevice(at::tensor(blended, at::kLong), device);
        const at::Tensor description_rows =
            UploadToDevice(at::tensor(descriptions, at::kLong), device);
        queries.index_copy_(
            0, blended_rows,
            queries.index_select(0, blended_rows)
                .mul_(1.0 - description_weight)
                .add_(ensembles.index_select(0, description_rows), description_weight));
        return queries;
      }));
  return result;
}

}  // namespace itaclip::text
