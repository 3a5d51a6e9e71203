#include "core/checkpoint/known_clip_configs.h"

#include "absl/strings/str_cat.h"

namespace itaclip::checkpoint {
namespace {

ClipConfig WithWidths(int64_t vision_width, int64_t text_width, int64_t embed_dim) {
  ClipConfig c;
  c.vision_width = vision_width;
  c.vision_layers = 12;
  c.vision_heads = vision_width / 64;
  c.patch_size = 16;
  c.grid_size = 14;
  c.image_resolution = 224;
  c.embed_dim = embed_dim;
  c.text_width = text_width;
  c.text_layers = 12;
  c.text_heads = text_width / 64;
  c.context_length = 77;
  c.vocab_size = 49408;
  return c;
}

}  // namespace

ClipConfig VitB16ClipConfig() { return WithWidths(768, 512, 512); }

ClipConfig TinyClipConfig() { return WithWidths(64, 64, 32); }

absl::StatusOr<ClipConfig> KnownClipConfig(absl::string_view name) {
  if (name == "tiny") return TinyClipConfig();
  if (name == "vit-b-16") return VitB16ClipConfig();
  return absl::InvalidArgumentError(
      absl::StrCat("unknown model shape '", name, "': expected tiny or vit-b-16"));
}

}  // namespace itaclip::checkpoint
