// Architectures used without a checkpoint file: the real ViT-B/16 shape (benchmarks on random
// weights) and a tiny shape with the same depth, patch and grid (tests, demos).
#ifndef ITACLIP_CORE_CHECKPOINT_KNOWN_CLIP_CONFIGS_H_
#define ITACLIP_CORE_CHECKPOINT_KNOWN_CLIP_CONFIGS_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/checkpoint/clip_config.h"

namespace itaclip::checkpoint {

// OpenAI ViT-B/16 (spec §1.1): vision 768 wide, 12 layers, 12 heads, patch 16, grid 14; text 512
// wide, 12 layers, 8 heads, context 77, vocabulary 49408; embeddings of 512.
ClipConfig VitB16ClipConfig();

// ViT-B/16's depth, patch, grid, context and vocabulary with widths of 64 (one head) and 32-d
// embeddings: every code path of the real model at a tiny cost.
ClipConfig TinyClipConfig();

// The shape named "tiny" or "vit-b-16" (the names the tools' --shape flags take);
// INVALID_ARGUMENT naming both for anything else.
absl::StatusOr<ClipConfig> KnownClipConfig(absl::string_view name);

}  // namespace itaclip::checkpoint

#endif  // ITACLIP_CORE_CHECKPOINT_KNOWN_CLIP_CONFIGS_H_
