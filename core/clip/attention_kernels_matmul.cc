// The attention kernels for LibTorch < 2.0 (no at::scaled_dot_product_attention): explicit
// matmuls and softmax; the [L, L] map lives only for the duration of one call.
#include <ATen/ATen.h>

#include <cmath>
#include <limits>

#include "core/clip/attention.h"
#include "core/clip/attention_kernels.h"

namespace itaclip::clip {
namespace {

double InverseSqrtHeadDim(const at::Tensor& x) {
  return 1.0 / std::sqrt(static_cast<double>(x.size(-1)));
}

}  // namespace

at::Tensor DotProductAttention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                               bool causal) {
  // The scale is applied to q (as PyTorch's multi-head attention does), not to the [L, L] scores.
  at::Tensor scores = at::matmul(q * InverseSqrtHeadDim(q), k.transpose(-2, -1));
  if (causal) {
    const int64_t length = q.size(-2);
    scores.add_(
        at::full({length, length}, -std::numeric_limits<float>::infinity(), scores.options())
            .triu_(1));
  }
  return at::matmul(at::softmax(scores, -1), v);
}

at::Tensor AttentionOfSelfProducts(const at::Tensor& x, const at::Tensor& v) {
  // The softmax of SelfSelfAttentionMap, so the two self-self modes agree up to the order of the
  // final sums.
  return at::matmul(SelfProductSoftmax(x), v);
}

bool AttentionKernelsAreFused() { return false; }

}  // namespace itaclip::clip
