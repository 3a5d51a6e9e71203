// A loaded CLIP model on one device: the ITACLIP image encoder and the CLIP text encoder.
#ifndef ITACLIP_CORE_CLIP_CLIP_MODEL_H_
#define ITACLIP_CORE_CLIP_CLIP_MODEL_H_

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/checkpoint/clip_weights.h"
#include "core/clip/self_self_attention_mode.h"

namespace itaclip::clip {

// How EncodeTexts batches its work, and whom it tells about progress.
struct TextEncodeOptions {
  // Sequences per text-tower batch; 0: DefaultTextBatch of the model's device.
  int64_t max_batch = 0;
  // Called after each batch with the sequences done so far and the total (e.g. for a progress
  // line); may be empty.
  std::function<void(int64_t done, int64_t total)> progress;
  // Asked before each batch; a non-OK answer stops the encoding and is returned (a server's
  // cancelled call, passed deadline or drain). May be empty.
  std::function<absl::Status()> should_continue;
  // Runs one batch's device work (`batch`: the text tower's forward pass and the copy of its
  // features into the result) and returns its status. Empty: on the calling thread. A server
  // passes its device owner here (server/scheduling/device_batcher.h), so that text batches take
  // turns with the ViT's on one thread instead of sharing the device and its memory with them.
  std::function<absl::Status(const std::function<absl::Status()>& batch)> run_batch;
};

// 256 sequences per text batch on the CPU (larger batches gain nothing there), 2048 on CUDA: a
// batch of 256 short prompts is well under a millisecond of GPU work, so at 256 the text side of a
// large vocabulary (28320 prompts for COCO-Stuff) would be bound by kernel launches.
int64_t DefaultTextBatch(const c10::Device& device);

// Immutable after construction; every method is const and safe to call from many threads at once.
class ClipModel {
 public:
  // Loads any supported checkpoint format (see checkpoint/load_clip.h) onto `device`, with matrix
  // weights in `dtype` (fp16 on CUDA as the reference, fp32 on CPU). `attention_mode` chooses how
  // the image encoder evaluates ITACLIP's fused self-self attention (same result, different
  // memory and speed); unset: DefaultSelfSelfAttentionMode of the device.
  static absl::StatusOr<std::unique_ptr<ClipModel>> Load(
      const std::string& path, c10::Device device, c10::ScalarType dtype,
      std::optional<SelfSelfAttentionMode> attention_mode = std::nullopt);

  explicit ClipModel(checkpoint::ClipWeights weights,
                     std::optional<SelfSelfAttentionMode> attention_mode = std::nullopt);

  const checkpoint::ClipConfig& config() const { return weights_.config; }
  c10::Device device() const;
  c10::ScalarType dtype() const;  // the compute dtype of both towers
  SelfSelfAttentionMode attention_mode() const { return attention_mode_; }

  // images: [N, 3, h, w] normalised RGB, float, on any device; h and w at least one patch.
  // Returns the ITACLIP patch features [N, 1 + ⌊h/p⌋·⌊w/p⌋, embed_dim] on device(), in dtype().
  absl::StatusOr<at::Tensor> EncodeImages(const at::Tensor& images) const;

  // Each sequence is SOT ... EOT without padding, at most context_length ids below vocab_size.
  // Returns [B, embed_dim] float32 on device(), one row per sequence, in order. Sequences are
  // grouped by length into batches of at most `options.max_batch`, each cut at its longest EOT.
  absl::StatusOr<at::Tensor> EncodeTexts(const std::vector<std::vector<int32_t>>& sequences,
                                         const TextEncodeOptions& options = {}) const;

 private:
  checkpoint::ClipWeights weights_;
  SelfSelfAttentionMode attention_mode_;
};

}  // namespace itaclip::clip

#endif  // ITACLIP_CORE_CLIP_CLIP_MODEL_H_
