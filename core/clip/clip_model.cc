#include "core/clip/clip_model.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>

#include <algorithm>
#include <numeric>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/checkpoint/load_clip.h"
#include "core/clip/text_transformer.h"
#include "core/clip/vision_transformer.h"
#include "core/common/device.h"
#include "core/common/status_macros.h"
#include "core/common/torch_error_guard.h"

namespace itaclip::clip {
namespace {

absl::Status CheckSequences(const std::vector<std::vector<int32_t>>& sequences,
                            const checkpoint::ClipConfig& config) {
  for (size_t i = 0; i < sequences.size(); ++i) {
    const std::vector<int32_t>& ids = sequences[i];
    if (ids.size() < 2 || static_cast<int64_t>(ids.size()) > config.context_length) {
      return absl::InvalidArgumentError(absl::StrCat("text sequence ", i, " has ", ids.size(),
                                                     " tokens; expected 2..",
                                                     config.context_length));
    }
    for (int32_t id : ids) {
      if (id < 0 || id >= config.vocab_size) {
        return absl::InvalidArgumentError(absl::StrCat("text sequence ", i, " has token id ", id,
                                                       " outside the vocabulary of ",
                                                       config.vocab_size));
      }
    }
    if (*std::max_element(ids.begin(), ids.end()) != ids.back()) {
      return absl::InvalidArgumentError(
          absl::StrCat("text sequence ", i, " does not end with its largest id (end of text)"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

int64_t DefaultTextBatch(const c10::Device& device) { return device.is_cuda() ? 2048 : 256; }

absl::StatusOr<std::unique_ptr<ClipModel>> ClipModel::Load(
    const std::string& path, c10::Device device, c10::ScalarType dtype,
    std::optional<SelfSelfAttentionMode> attention_mode) {
  ASSIGN_OR_RETURN(checkpoint::ClipWeights weights,
                   checkpoint::LoadClip(path, checkpoint::LoadOptions{device, dtype}));
  if (weights.config.vision_layers < 11) {
    return absl::InvalidArgumentError(
        absl::StrCat("checkpoint ", path,
                     ": ITACLIP needs at least 11 vision blocks (maps at blocks 6, 7, 9 and "
                     "a last block), this one has ",
                     weights.config.vision_layers));
  }
  return std::make_unique<ClipModel>(std::move(weights), attention_mode);
}

ClipModel::ClipModel(checkpoint::ClipWeights weights,
                     std::optional<SelfSelfAttentionMode> attention_mode)
    : weights_(std::move(weights)),
      attention_mode_(attention_mode.value_or(DefaultSelfSelfAttentionMode(device().type()))) {}

c10::Device ClipModel::device() const { return weights_.vision.proj.device(); }

c10::ScalarType ClipModel::dtype() const { return weights_.vision.proj.scalar_type(); }

absl::StatusOr<at::Tensor> ClipModel::EncodeImages(const at::Tensor& images) const {
  const int64_t patch = weights_.config.patch_size;
  if (images.dim() != 4 || images.size(1) != 3 || images.size(2) < patch ||
      images.size(3) < patch) {
    return absl::InvalidArgumentError(
        absl::StrCat("images must be [N, 3, h, w] with h, w >= ", patch, "; got [",
                     absl::StrJoin(images.sizes(), ", "), "]"));
  }
  return GuardTorch("vision forward", [&]() -> absl::StatusOr<at::Tensor> {
    c10::InferenceMode inference;
    return ItaclipVisionForward(weights_, images.to(device(), dtype()), attention_mode_);
  });
}

absl::StatusOr<at::Tensor> ClipModel::EncodeTexts(
    const std::vector<std::vector<int32_t>>& sequences, const TextEncodeOptions& options) const {
  RETURN_IF_ERROR(CheckSequences(sequences, weights_.config));
  return GuardTorch("text forward", [&]() -> absl::StatusOr<at::Tensor> {
    c10::InferenceMode inference;
    const int64_t count = static_cast<int64_t>(sequences.size());
    at::Tensor out = at::empty({count, weights_.config.embed_dim},
                               at::TensorOptions().dtype(at::kFloat).device(device()));
    // Sorting by length keeps each batch's padding (and its wasted work) small.
    std::vector<int64_t> order(count);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
      return sequences[a].size() < sequences[b].size();
    });
    const int64_t max_batch =
        options.max_batch > 0 ? options.max_batch : DefaultTextBatch(device());
    for (int64_t start = 0; start < count; start += max_batch) {
      if (options.should_continue) RETURN_IF_ERROR(options.should_continue());
      const int64_t end = std::min(count, start + max_batch);
      const int64_t length = static_cast<int64_t>(sequences[order[end - 1]].size());
      at::Tensor tokens = at::zeros({end - start, length}, at::kLong);
      at::Tensor eot = at::empty({end - start}, at::kLong);
      at::Tensor rows = at::empty({end - start}, at::kLong);
      auto tokens_a = tokens.accessor<int64_t, 2>();
      auto eot_a = eot.accessor<int64_t, 1>();
      auto rows_a = rows.accessor<int64_t, 1>();
      for (int64_t b = start; b < end; ++b) {
        const std::vector<int32_t>& ids = sequences[order[b]];
        for (size_t t = 0; t < ids.size(); ++t) tokens_a[b - start][t] = ids[t];
        eot_a[b - start] = static_cast<int64_t>(ids.size()) - 1;
        rows_a[b - start] = order[b];
      }
      const std::function<absl::Status()> batch = [&]() -> absl::Status {
        // Its own guard: the batch may run on another thread (run_batch), which must get a status,
        // not an exception.
        return GuardTorch("text batch", [&]() -> absl::Status {
          c10::InferenceMode batch_inference;  // per thread
          at::Tensor features =
              TextForward(weights_, UploadToDevice(tokens, device()), UploadToDevice(eot, device()))
                  .to(at::kFloat);
          out.index_copy_(0, UploadToDevice(rows, device()), features);
          return absl::OkStatus();
        });
      };
      RETURN_IF_ERROR(options.run_batch ? options.run_batch(batch) : batch());
      if (options.progress) options.progress(end, count);
    }
    return out;
  });
}

}  // namespace itaclip::clip
