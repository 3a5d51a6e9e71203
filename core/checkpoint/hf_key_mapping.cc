#include "core/checkpoint/hf_key_mapping.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "core/checkpoint/layer_key.h"
#include "core/checkpoint/shape_string.h"
#include "core/common/status_macros.h"
#include "core/common/torch_error_guard.h"

namespace itaclip::checkpoint {
namespace {

struct NamePair {
  const char* openai;
  const char* hf;
};

// Whole-model tensors that keep their layout.
constexpr NamePair kDirect[] = {
    {"visual.class_embedding", "vision_model.embeddings.class_embedding"},
    {"visual.conv1.weight", "vision_model.embeddings.patch_embedding.weight"},
    {"visual.positional_embedding", "vision_model.embeddings.position_embedding.weight"},
    {"visual.ln_pre.weight", "vision_model.pre_layrnorm.weight"},
    {"visual.ln_pre.bias", "vision_model.pre_layrnorm.bias"},
    {"visual.ln_post.weight", "vision_model.post_layernorm.weight"},
    {"visual.ln_post.bias", "vision_model.post_layernorm.bias"},
    {"token_embedding.weight", "text_model.embeddings.token_embedding.weight"},
    {"positional_embedding", "text_model.embeddings.position_embedding.weight"},
    {"ln_final.weight", "text_model.final_layer_norm.weight"},
    {"ln_final.bias", "text_model.final_layer_norm.bias"},
};

// Stored as [embed, width] by Hugging Face (nn.Linear) and as [width, embed] by
// OpenAI.
constexpr NamePair kTransposed[] = {
    {"visual.proj", "visual_projection.weight"},
    {"text_projection", "text_projection.weight"},
};

constexpr char kLogitScale[] = "logit_scale";

// Per-layer suffixes that keep their layout.
constexpr NamePair kBlockDirect[] = {
    {"ln_1.weight", "layer_norm1.weight"},
    {"ln_1.bias", "layer_norm1.bias"},
    {"attn.out_proj.weight", "self_attn.out_proj.weight"},
    {"attn.out_proj.bias", "self_attn.out_proj.bias"},
    {"ln_2.weight", "layer_norm2.weight"},
    {"ln_2.bias", "layer_norm2.bias"},
    {"mlp.c_fc.weight", "mlp.fc1.weight"},
    {"mlp.c_fc.bias", "mlp.fc1.bias"},
    {"mlp.c_proj.weight", "mlp.fc2.weight"},
    {"mlp.c_proj.bias", "mlp.fc2.bias"},
};

// OpenAI in_proj_{weight,bias} = rows of q, k, v stacked; the HF suffix for
// q/k/v is "<x>_proj.<kind>".
constexpr NamePair kInProj[] = {
    {"attn.in_proj_weight", "weight"},
    {"attn.in_proj_bias", "bias"},
};
constexpr const char* kQkv[] = {"q", "k", "v"};

constexpr NamePair kTowers[] = {
    {"visual.transformer.resblocks.", "vision_model.encoder.layers."},
    {"transformer.resblocks.", "text_model.encoder.layers."},
};

// Largest layer index + 1 under `prefix` (0 if none).
absl::StatusOr<int64_t> LayerCount(const StateDict& dict, absl::string_view prefix) {
  int64_t count = 0;
  for (const auto& [key, tensor] : dict) {
    ASSIGN_OR_RETURN(const std::optional<int64_t> index, ParseLayerKey(key, prefix, nullptr));
    if (index) count = std::max(count, *index + 1);
  }
  return count;
}

absl::StatusOr<at::Tensor> Find(const StateDict& hf, const std::string& key) {
  auto it = hf.find(key);
  if (it == hf.end() || !it->second.defined()) {
    return absl::InvalidArgumentError(absl::StrCat("missing Hugging Face key ", key));
  }
  return it->second;
}

absl::StatusOr<at::Tensor> Transposed(const std::string& key, const at::Tensor& tensor) {
  if (tensor.dim() != 2) {
    return absl::InvalidArgumentError(
        absl::StrCat(key, " has shape ", ShapeString(tensor.sizes()), ", expected 2 dimensions"));
  }
  return tensor.t().contiguous();
}

absl::StatusOr<StateDict> MapHuggingFace(const StateDict& hf) {
  StateDict openai;
  for (const NamePair& name : kDirect) {
    ASSIGN_OR_RETURN(openai[name.openai], Find(hf, name.hf));
  }
  for (const NamePair& name : kTransposed) {
    ASSIGN_OR_RETURN(const at::Tensor tensor, Find(hf, name.hf));
    ASSIGN_OR_RETURN(openai[name.openai], Transposed(name.hf, tensor));
  }
  if (auto it = hf.find(kLogitScale); it != hf.end()) openai[kLogitScale] = it->second;

  for (const NamePair& tower : kTowers) {
    ASSIGN_OR_RETURN(const int64_t layers, LayerCount(hf, tower.hf));
    if (layers == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("missing Hugging Face key ", tower.hf, "0.* (no layers)"));
    }
    for (int64_t i = 0; i < layers; ++i) {
      const std::string hf_block = absl::StrCat(tower.hf, i, ".");
      const std::string openai_block = absl::StrCat(tower.openai, i, ".");
      for (const NamePair& name : kBlockDirect) {
        ASSIGN_OR_RETURN(openai[openai_block + name.openai], Find(hf, hf_block + name.hf));
      }
      for (const NamePair& name : kInProj) {
        std::vector<at::Tensor> parts;
        for (const char* part : kQkv) {
          const std::string key = absl::StrCat(hf_block, "self_attn.", part, "_proj.", name.hf);
          ASSIGN_OR_RETURN(at::Tensor tensor, Find(hf, key));
          if (tensor.dim() == 0 || (!parts.empty() && tensor.sizes() != parts[0].sizes())) {
            return absl::InvalidArgumentError(
                absl::StrCat(key, " has shape ", ShapeString(tensor.sizes()), ", expected ",
                             parts.empty() ? "at least 1 dimension" : ShapeString(parts[0].sizes()),
                             " like q_proj"));
          }
          parts.push_back(std::move(tensor));
        }
        openai[openai_block + name.openai] = at::cat(parts, 0);
      }
    }
  }
  return openai;
}

// The HF name paired with `openai` in `pairs`, or nullptr.
template <size_t N>
const char* HfName(const NamePair (&pairs)[N], absl::string_view openai) {
  for (const NamePair& name : pairs) {
    if (openai == name.openai) return name.hf;
  }
  return nullptr;
}

// Adds the HF tensor(s) of a per-layer OpenAI key; other keys are dropped.
void MapOpenAiLayerKey(const std::string& key, const at::Tensor& tensor, StateDict& hf) {
  for (const NamePair& tower : kTowers) {
    absl::string_view suffix;
    const absl::StatusOr<std::optional<int64_t>> index = ParseLayerKey(key, tower.openai, &suffix);
    if (!index.ok() || !index->has_value()) continue;
    const std::string hf_block = absl::StrCat(tower.hf, **index, ".");
    if (const char* name = HfName(kBlockDirect, suffix)) {
      hf[hf_block + name] = tensor;
    } else if (const char* kind = HfName(kInProj, suffix)) {
      const std::vector<at::Tensor> parts = tensor.chunk(3, 0);
      for (size_t p = 0; p < parts.size() && p < 3; ++p) {
        hf[absl::StrCat(hf_block, "self_attn.", kQkv[p], "_proj.", kind)] = parts[p];
      }
    }
    return;
  }
}

}  // namespace

absl::StatusOr<StateDict> HuggingFaceToOpenAi(const StateDict& hf) {
  return GuardTorch("Hugging Face key mapping", [&] { return MapHuggingFace(hf); });
}

StateDict OpenAiToHuggingFace(const StateDict& openai) {
  StateDict hf;
  for (const auto& [key, tensor] : openai) {
    if (const char* name = HfName(kDirect, key)) {
      hf[name] = tensor;
    } else if (const char* name = HfName(kTransposed, key)) {
      hf[name] = tensor.t().contiguous();
    } else if (key == kLogitScale) {
      hf[kLogitScale] = tensor;
    } else {
      MapOpenAiLayerKey(key, tensor, hf);
    }
  }
  return hf;
}

}  // namespace itaclip::checkpoint
