// Pixel-Adaptive Mask Refinement (spec §5.3, pitfall 10), as in ITACLIP's
// pamr.py.
#ifndef ITACLIP_CORE_PIPELINE_PAMR_H_
#define ITACLIP_CORE_PIPELINE_PAMR_H_

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <optional>
#include <vector>

namespace itaclip::pipeline {

// The 16-neighbour (for two dilations) affinity weights w_j(p) of PAMR, [8 * D,
// H, W] float32 on the guide's device, neighbour j = 8 * (dilation index) + k
// with k over the offsets (dy, dx) in
// (-d,-d), (-d,0), (-d,+d), (0,-d), (0,+d), (+d,-d), (+d,0), (+d,+d). For each
// channel c of the guide, sigma_c(p) is the unbiased std of the 9 * D samples
// of the dilated 3x3 windows (the centre once per dilation); a_j(p) =
// mean_c[-|G_c(p) - G_c(p + n_j)| / (1e-8 + 0.1 sigma_c(p))]; the weights are
// softmax_j a_j(p). Reads outside the image are clamped to the border
// (replicate). `guide` is [1, C, H, W] or [C, H, W] (any floating dtype,
// computed in float32); dilations must be non-empty and positive. Throws
// c10::Error otherwise. Pure, thread-safe.
at::Tensor PamrAffinity(const at::Tensor& guide, const std::vector<int>& dilations);

// How Pamr computes its Jacobi steps. Both give the same result up to the order of float sums.
enum class PamrPropagation {
  // 16 multiply-adds of shifted views of the replicate-padded mask per step, in bands of rows
  // that stay in cache on CPU (the faster form there, mostly for small Q).
  kShiftedViews,
  // One sparse (CSR) matrix-times-dense product per step (PamrPropagationMatrix): one kernel that
  // reads the mask about once per step, instead of 16 passes over it (cuSPARSE on CUDA).
  kSparseMatrix,
};

// kSparseMatrix on CUDA, kShiftedViews elsewhere.
PamrPropagation DefaultPamrPropagation(const c10::Device& device);

// The operator of one Jacobi step on the replicate-padded domain, for `weights` [8 * D, H, W]
// float32 from PamrAffinity: a CSR matrix [P', P'] with P' = (H + 2 pad) (W + 2 pad), pad = the
// largest dilation, pixels flattened row-major. Row r (padded pixel r, or for a padding pixel the
// image pixel it replicates) holds w_j at the padded columns of its 16 neighbours, sorted and
// distinct; 32-bit indices when they fit. On the weights' device. Throws c10::Error on bad shapes.
at::Tensor PamrPropagationMatrix(const at::Tensor& weights, const std::vector<int>& dilations);

// Refines `mask` [Q, H, W] (raw logits, any floating dtype; computed and
// returned in float32 on its device) with `steps` Jacobi iterations M(p) <-
// sum_j w_j(p) M(p + n_j) (the pixel itself excluded, replicate clamping), w
// from PamrAffinity(guide, dilations). The guide must have the mask's H x W and
// device. Returns a new [Q, H, W] tensor (the input when steps == 0 is returned
// as a float32 copy); the inputs are not modified. `propagation` defaults to
// DefaultPamrPropagation(mask's device). Memory: the weights ([16, H, W]) plus
// about three copies of the mask (one replicate-padded), never the 16 shifted
// copies; kSparseMatrix adds the matrix (16 values and indices per padded
// pixel). Throws c10::Error on bad shapes, steps < 0 or bad dilations. Pure,
// thread-safe.
at::Tensor Pamr(const at::Tensor& guide, const at::Tensor& mask, int steps,
                const std::vector<int>& dilations,
                std::optional<PamrPropagation> propagation = std::nullopt);

}  // namespace itaclip::pipeline

#endif  // ITACLIP_CORE_PIPELINE_PAMR_H_
