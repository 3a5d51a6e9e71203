#include "core/clip/transformer_ops.h"

#include <ATen/ATen.h>

#include <vector>

namespace itaclip::clip {

at::Tensor LayerNormFp32(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias) {
  constexpr double kEps = 1e-5;
  const c10::ScalarType dtype = x.scalar_type();
  if (dtype == at::kFloat) return at::layer_norm(x, {x.size(-1)}, weight, bias, kEps);
  if (x.is_cuda()) {
    // CUDA's LayerNorm kernel already computes in fp32 for fp16 input (statistics, normalisation
    // and the affine transform in its fp32 accumulation type, one rounding to fp16 at the end):
    // the reference's x.float() -> LayerNorm -> .half() in one pass over x instead of three. It
    // wants the parameters in x's dtype; CLIP's are fp16 values kept in fp32 (§1.2), so for the
    // official checkpoint that conversion is exact.
    return at::layer_norm(x, {x.size(-1)}, weight.to(dtype), bias.to(dtype), kEps);
  }
  return at::layer_norm(x.to(at::kFloat), {x.size(-1)}, weight, bias, kEps).to(dtype);
}

at::Tensor QuickGeluMlp(const at::Tensor& x, const at::Tensor& fc_weight, const at::Tensor& fc_bias,
                        const at::Tensor& proj_weight, const at::Tensor& proj_bias) {
  constexpr double kScale = 1.702;
  const int64_t width = x.size(-1);
  const at::Tensor rows = x.reshape({-1, width});
  // h' = 1.702·(x Wᵀ + b): with the bias pre-scaled, beta stays 1 (cuBLASLt then adds the bias in
  // the GEMM's epilogue) and alpha carries the factor.
  at::Tensor hidden = at::addmm(fc_bias * kScale, rows, fc_weight.t(), /*beta=*/1, /*alpha=*/kScale);
  // silu(h') = h'·sigmoid(h') = 1.702·QuickGELU(h), in place; c_proj takes the 1/1.702 back.
  at::silu_(hidden);
  at::Tensor out = at::addmm(proj_bias, hidden, proj_weight.t(), /*beta=*/1, /*alpha=*/1.0 / kScale);
  std::vector<int64_t> sizes = x.sizes().vec();
  sizes.back() = out.size(1);
  return out.view(sizes);
}

at::Tensor SplitHeads(const at::Tensor& x, int64_t heads) {
  const int64_t n = x.size(0), length = x.size(1);
  return x.view({n, length, heads, x.size(2) / heads}).permute({0, 2, 1, 3});
}

at::Tensor MergeHeads(const at::Tensor& x) {
  const int64_t n = x.size(0), heads = x.size(1), length = x.size(2);
  return x.permute({0, 2, 1, 3}).reshape({n, length, heads * x.size(3)});
}

}  // namespace itaclip::clip
