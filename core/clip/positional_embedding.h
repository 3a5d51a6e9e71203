// Positional embeddings for crops whose patch grid differs from the checkpoint's (spec §1.4).
#ifndef ITACLIP_CORE_CLIP_POSITIONAL_EMBEDDING_H_
#define ITACLIP_CORE_CLIP_POSITIONAL_EMBEDDING_H_

#include <ATen/core/Tensor.h>

#include <cstdint>

namespace itaclip::clip {

// `positional` is [1 + G*G, width] (row 0 = CLS). Returns [1 + rows*cols, width] in fp32: the input
// unchanged when rows == cols == G, otherwise the grid resized by PyTorch's bicubic interpolation
// (A = -0.75, align_corners=False) with scale factors (n + 0.1)/G, exactly as ITACLIP calls it. The
// scale factor, not the size, sets the sampling step: source = (i + 0.5)·G/(n + 0.1) − 0.5.
at::Tensor InterpolatePositionalEmbedding(const at::Tensor& positional, int64_t rows, int64_t cols);

}  // namespace itaclip::clip

#endif  // ITACLIP_CORE_CLIP_POSITIONAL_EMBEDDING_H_
