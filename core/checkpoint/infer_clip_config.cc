#include "core/checkpoint/infer_clip_config.h"

#include <ATen/core/Tensor.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "core/checkpoint/layer_key.h"
#include "core/checkpoint/shape_string.h"
#include "core/common/status_macros.h"

namespace itaclip::checkpoint {
namespace {

constexpr int64_t kHeadDim = 64;

// The tensor under `key`, checked to have `rank` dimensions.
absl::StatusOr<const at::Tensor*> FindWithRank(const StateDict& dict, const std::string& key,
                                               int64_t rank) {
  auto it = dict.find(key);
  if (it == dict.end()) return absl::InvalidArgumentError(absl::StrCat("missing key ", key));
  if (!it->second.defined() || it->second.dim() != rank) {
    return absl::InvalidArgumentError(absl::StrCat(
        key, " has shape ", it->second.defined() ? ShapeString(it->second.sizes()) : "(undefined)",
        ", expected ", rank, " dimensions"));
  }
  return &it->second;
}

// Counts the blocks under `prefix` ("visual.transformer.resblocks."), requiring
// indices 0..n-1.
absl::StatusOr<int64_t> CountLayers(const StateDict& dict, absl::string_view prefix) {
  std::set<int64_t> indices;
  for (const auto& [key, tensor] : dict) {
    ASSIGN_OR_RETURN(const std::optional<int64_t> index, ParseLayerKey(key, prefix));
    if (!index.has_value()) continue;
    indices.insert(*index);
  }
  if (indices.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("no layers: no key starts with ", prefix));
  }
  // std::set is sorted, so 0..n-1 means the largest index is n-1.
  if (*indices.rbegin() != static_cast<int64_t>(indices.size()) - 1) {
    return absl::InvalidArgumentError(absl::StrCat("layers under ", prefix,
                                                   " are not numbered 0..n-1: found indices ",
                                                   absl::StrJoin(indices, ", ")));
  }
  return static_cast<int64_t>(indices.size());
}

absl::Status CheckWidth(absl::string_view what, const std::string& key, int64_t width) {
  if (width <= 0 || width % kHeadDim != 0) {
    return absl::InvalidArgumentError(absl::StrCat(what, " ", width, " (from ", key,
                                                   ") is not a positive multiple of ", kHeadDim,
                                                   " (the head size)"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ClipConfig> InferClipConfig(const StateDict& openai_named) {
  ClipConfig config;

  // Vision tower.
  ASSIGN_OR_RETURN(const at::Tensor* conv1, FindWithRank(openai_named, "visual.conv1.weight", 4));
  config.vision_width = conv1->size(0);
  RETURN_IF_ERROR(CheckWidth("vision width", "visual.conv1.weight", config.vision_width));
  if (conv1->size(1) != 3 || conv1->size(2) != conv1->size(3) || conv1->size(3) <= 0) {
    return absl::InvalidArgumentError(absl::StrCat("visual.conv1.weight has shape ",
                                                   ShapeString(conv1->sizes()),
                                                   ", expected [width, 3, patch, patch]"));
  }
  config.patch_size = conv1->size(3);
  config.vision_heads = config.vision_width / kHeadDim;
  ASSIGN_OR_RETURN(config.vision_layers,
                   CountLayers(openai_named, "visual.transformer.resblocks."));

  ASSIGN_OR_RETURN(const at::Tensor* visual_pos,
                   FindWithRank(openai_named, "visual.positional_embedding", 2));
  const int64_t grid_tokens = visual_pos->size(0) - 1;
  const auto grid = static_cast<int64_t>(
      std::llround(std::sqrt(static_cast<double>(std::max<int64_t>(grid_tokens, 0)))));
  if (grid_tokens <= 0 || grid * grid != grid_tokens) {
    return absl::InvalidArgumentError(
        absl::StrCat("visual.positional_embedding has ", visual_pos->size(0),
                     " rows; expected 1 + grid*grid (a class token plus a "
                     "square patch grid)"));
  }
  config.grid_size = grid;
  config.image_resolution = config.patch_size * config.grid_size;

  // Shared embedding space.
  ASSIGN_OR_RETURN(const at::Tensor* text_projection,
                   FindWithRank(openai_named, "text_projection", 2));
  config.embed_dim = text_projection->size(1);
  if (config.embed_dim <= 0) {
    return absl::InvalidArgumentError(absl::StrCat("text_projection has shape ",
                                                   ShapeString(text_projection->sizes()),
                                                   ", expected a positive embedding dimension"));
  }

  // Text tower.
  ASSIGN_OR_RETURN(const at::Tensor* ln_final, FindWithRank(openai_named, "ln_final.weight", 1));
  config.text_width = ln_final->size(0);
  RETURN_IF_ERROR(CheckWidth("text width", "ln_final.weight", config.text_width));
  config.text_heads = config.text_width / kHeadDim;
  ASSIGN_OR_RETURN(config.text_layers, CountLayers(openai_named, "transformer.resblocks."));
  ASSIGN_OR_RETURN(const at::Tensor* text_pos,
                   FindWithRank(openai_named, "positional_embedding", 2));
  config.context_length = text_pos->size(0);
  ASSIGN_OR_RETURN(const at::Tensor* token_embedding,
                   FindWithRank(openai_named, "token_embedding.weight", 2));
  config.vocab_size = token_embedding->size(0);
  if (config.context_length <= 0 || config.vocab_size <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("empty text embeddings: positional_embedding ", ShapeString(text_pos->sizes()),
                     ", token_embedding.weight ", ShapeString(token_embedding->sizes())));
  }
  return config;
}

}  // namespace itaclip::checkpoint
