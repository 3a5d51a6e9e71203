#include "core/checkpoint/random_state_dict.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <cmath>
#include <string>

#include "absl/strings/match.h"
#include "core/checkpoint/clip_state_dict_layout.h"

namespace itaclip::checkpoint {
namespace {

uint64_t SplitMix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// FNV-1a, so each key gets its own stream whatever the order the keys are
// generated in.
uint64_t HashKey(const std::string& key) {
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (unsigned char c : key) hash = (hash ^ c) * 0x100000001b3ULL;
  return hash;
}

// Uniform in (0, 1), from the top 24 bits of `bits` (so it converts to float
// exactly).
float Uniform(uint64_t bits) {
  return (static_cast<float>(bits >> 40) + 0.5f) * (1.0f / 16777216.0f);
}

enum class Distribution { kNormal, kUniform };

// tensor = mean + scale * X, X ~ N(0, 1) or U(-1, 1). Elements 2j and 2j+1 come
// from SplitMix64(stream + j) alone (the two Box-Muller outputs, or the two
// halves of the bits), so the values do not depend on how the work is split
// between threads.
at::Tensor Random(at::IntArrayRef shape, uint64_t stream, Distribution distribution, float mean,
                  float scale) {
  at::Tensor tensor = at::empty(shape, at::kFloat);
  float* data = tensor.data_ptr<float>();
  const int64_t numel = tensor.numel();
  constexpr float kTwoPi = 6.28318530717958647692f;
  at::parallel_for(0, (numel + 1) / 2, 1 << 13, [&](int64_t begin, int64_t end) {
    for (int64_t j = begin; j < end; ++j) {
      const uint64_t bits = SplitMix64(stream + static_cast<uint64_t>(j));
      float x0, x1;
      if (distribution == Distribution::kNormal) {
        const float radius = std::sqrt(-2.0f * std::log(Uniform(bits)));
        const float angle = kTwoPi * Uniform(bits << 24);
        x0 = radius * std::cos(angle);
        x1 = radius * std::sin(angle);
      } else {
        x0 = 2.0f * Uniform(bits) - 1.0f;
        x1 = 2.0f * Uniform(bits << 24) - 1.0f;
      }
      data[2 * j] = mean + scale * x0;
      if (2 * j + 1 < numel) data[2 * j + 1] = mean + scale * x1;
    }
  });
  return tensor;
}

}  // namespace

StateDict MakeRandomClipStateDict(const ClipConfig& config, uint64_t seed) {
  StateDict dict;
  for (const ClipTensorSpec& spec : ClipStateDictLayout(config)) {
    const std::string& key = spec.key;
    const bool visual = absl::StartsWith(key, "visual.");
    const auto width = static_cast<double>(visual ? config.vision_width : config.text_width);
    const auto layers = static_cast<double>(visual ? config.vision_layers : config.text_layers);
    const double attn_std = std::pow(width, -0.5);
    const double proj_std = attn_std * std::pow(2.0 * layers, -0.5);
    const double fc_std = std::pow(2.0 * width, -0.5);
    const uint64_t stream = SplitMix64(seed ^ HashKey(key));

    auto normal = [&](double mean, double std) {
      return Random(spec.shape, stream, Distribution::kNormal, static_cast<float>(mean),
                    static_cast<float>(std));
    };
    at::Tensor tensor;
    if (key == "logit_scale") {
      tensor = at::full({}, std::log(1.0 / 0.07), at::kFloat);
    } else if (key == "token_embedding.weight") {
      tensor = normal(0.0, 0.02);
    } else if (key == "positional_embedding") {
      tensor = normal(0.0, 0.01);
    } else if (key == "visual.conv1.weight") {
      const double bound = std::pow(3.0 * config.patch_size * config.patch_size, -0.5);
      tensor = Random(spec.shape, stream, Distribution::kUniform, 0.0f, static_cast<float>(bound));
    } else if (absl::StrContains(key, "ln_") && absl::EndsWith(key, ".weight")) {
      tensor = normal(1.0, 0.05);
    } else if (absl::StrContains(key, "ln_") && absl::EndsWith(key, ".bias")) {
      tensor = normal(0.0, 0.05);
    } else if (absl::EndsWith(key, "attn.in_proj_weight")) {
      tensor = normal(0.0, attn_std);
    } else if (absl::EndsWith(key, "attn.out_proj.weight") ||
               absl::EndsWith(key, "mlp.c_proj.weight")) {
      tensor = normal(0.0, proj_std);
    } else if (absl::EndsWith(key, "mlp.c_fc.weight")) {
      tensor = normal(0.0, fc_std);
    } else if (absl::EndsWith(key,
                              "bias")) {  // in_proj_bias and the linear biases
      tensor = normal(0.0, 0.01);
    } else {  // class and visual positional embeddings, proj, text_projection
      tensor = normal(0.0, attn_std);
    }
    dict.emplace(key, std::move(tensor));
  }
  return dict;
}

}  // namespace itaclip::checkpoint
