// The per-crop image augmentations of ITACLIP's `img_engineering` (spec §5.2
// steps 2-4, pitfall 6): grayscale, Gaussian blur, vertical and horizontal
// flips, applied to already normalised crops.
//
// All functions take a batch of normalised RGB crops [N, 3, h, w] of a floating
// dtype on any device, return a new tensor of the same dtype and device (inputs
// are not modified) and throw c10::Error on a bad shape (GuardTorch converts
// it). They are pure and thread-safe.
#ifndef ITACLIP_CORE_PIPELINE_IMAGE_VIEWS_H_
#define ITACLIP_CORE_PIPELINE_IMAGE_VIEWS_H_

#include <ATen/core/Tensor.h>

#include "core/pipeline/view_count.h"

namespace itaclip::pipeline {

// torchvision Grayscale on the normalised channels: 0.2989 R + 0.587 G + 0.114
// B (summed in that order), copied into all 3 channels. [N, 3, h, w] -> [N, 3,
// h, w].
at::Tensor GrayscaleView(const at::Tensor& crops);

// The 1-D taps of torchvision's Gaussian kernel, computed as it does in
// float32: x = linspace(-(k-1)/2, (k-1)/2, k), pdf = exp(-0.5 (x / sigma)^2),
// taps = pdf / sum(pdf). Returns a [k] float32 CPU tensor. k must be odd and
// positive, sigma > 0.
at::Tensor GaussianTaps(int kernel_size, double sigma);

// torchvision GaussianBlur(kernel_size=11, sigma=5): the separable kernel
// GaussianTaps(11, 5) applied per channel with reflect padding of 5 (mirror
// without repeating the edge = BORDER_REFLECT_101), so it never reads outside
// the crop. Computed as two exact float 1-D passes (no convolution kernels,
// hence no TF32 on CUDA); matches torchvision's 2-D conv to float rounding.
// Requires h, w >= 6.
at::Tensor BlurView(const at::Tensor& crops);

// torchvision vflip: reverses the rows (dim -2).
at::Tensor FlipRows(const at::Tensor& crops);

// torchvision hflip: reverses the columns (dim -1).
at::Tensor FlipColumns(const at::Tensor& crops);

// The five ViT inputs per crop, grouped view-major: for crops [N, 3, h, w]
// returns [5N, 3, h, w] whose rows are [0, N) the crops as given, [N, 2N)
// GrayscaleView, [2N, 3N) BlurView, [3N, 4N) FlipRows (vflip), [4N, 5N)
// FlipColumns (hflip); crop i of view v is at index v * N + i.
at::Tensor MakeFiveViews(const at::Tensor& crops);

// The indices of the views in MakeFiveViews' output (multiply by N and add the
// crop index).
inline constexpr int kViewOriginal = 0;
inline constexpr int kViewGray = 1;
inline constexpr int kViewBlur = 2;
inline constexpr int kViewFlipRows = 3;
inline constexpr int kViewFlipColumns = 4;
static_assert(kViewFlipColumns + 1 == kNumViews, "view_count.h counts the views above");

}  // namespace itaclip::pipeline

#endif  // ITACLIP_CORE_PIPELINE_IMAGE_VIEWS_H_
