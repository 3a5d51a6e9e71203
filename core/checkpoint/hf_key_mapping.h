// Maps between Hugging Face CLIPModel state-dict names and OpenAI CLIP names.
//   vision_model.embeddings.{class_embedding, patch_embedding.weight,
//   position_embedding.weight}
//     <-> visual.{class_embedding, conv1.weight, positional_embedding}
//   vision_model.{pre_layrnorm (sic), post_layernorm}.* <-> visual.{ln_pre,
//   ln_post}.* {vision,text}_model.encoder.layers.N.{layer_norm1, layer_norm2,
//   self_attn.out_proj, mlp.fc1, mlp.fc2}.*
//     <-> {visual.,}transformer.resblocks.N.{ln_1, ln_2, attn.out_proj,
//     mlp.c_fc, mlp.c_proj}.*
//   ...self_attn.{q,k,v}_proj.{weight,bias} <-> attn.in_proj_{weight,bias}
//   (rows q, then k, then v) visual_projection.weight, text_projection.weight
//   <-> visual.proj, text_projection (TRANSPOSED)
//   text_model.embeddings.{token_embedding.weight, position_embedding.weight}
//     <-> token_embedding.weight, positional_embedding
//   text_model.final_layer_norm.* <-> ln_final.*;  logit_scale <-> logit_scale
#ifndef ITACLIP_CORE_CHECKPOINT_HF_KEY_MAPPING_H_
#define ITACLIP_CORE_CHECKPOINT_HF_KEY_MAPPING_H_

#include "absl/status/statusor.h"
#include "core/checkpoint/state_dict.h"

namespace itaclip::checkpoint {

// Renames a Hugging Face CLIPModel state dict to OpenAI names: concatenates
// q/k/v into in_proj and transposes the two projections (into new contiguous
// tensors); other tensors are shared, not copied, and keep their dtype and
// device. The layer count of each tower is the largest layer index + 1, and
// every key of every layer must be present. Keys outside the mapping (the
// position_ids buffers, ...) are ignored; logit_scale is optional. Shapes are
// not checked beyond what the mapping needs (q, k, v alike; projections 2-D);
// ValidateClipStateDict checks the result. Thread-safe. Errors:
// INVALID_ARGUMENT "missing Hugging Face key <name>", a malformed layer key,
// mismatched q/k/v shapes, or a projection that is not 2-D.
absl::StatusOr<StateDict> HuggingFaceToOpenAi(const StateDict& hf);

// The inverse, for writing Hugging Face test checkpoints: renames every key it
// knows, splits in_proj into q/k/v (views of the input) and transposes the
// projections (new contiguous tensors); unknown keys are dropped. Precondition:
// a well-formed OpenAI dict (in_proj rows divisible by 3, 2-D projections);
// otherwise the output is incomplete or a c10::Error is thrown. Thread-safe.
StateDict OpenAiToHuggingFace(const StateDict& openai);

}  // namespace itaclip::checkpoint

#endif  // ITACLIP_CORE_CHECKPOINT_HF_KEY_MAPPING_H_
