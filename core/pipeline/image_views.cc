#include "core/pipeline/image_views.h"

#include <ATen/ATen.h>
#include <c10/util/Exception.h>

#include <vector>

namespace itaclip::pipeline {
namespace {

constexpr int kBlurKernelSize = 11;
constexpr double kBlurSigma = 5.0;

void CheckCrops(const at::Tensor& crops, const char* what) {
  TORCH_CHECK(crops.defined() && crops.dim() == 4 && crops.size(1) == 3, what,
              ": expected crops [N, 3, h, w], got ", crops.sizes());
  TORCH_CHECK(at::isFloatingType(crops.scalar_type()), what, ": expected a floating dtype, got ",
              crops.scalar_type());
}

// One 1-D pass of the separable blur along `dim` (2 = rows, 3 = columns):
// reflect-pad by the kernel radius and accumulate tap-weighted shifted views of
// the padded tensor.
at::Tensor BlurPass(const at::Tensor& x, const std::vector<double>& taps, int64_t dim) {
  const int64_t radius = static_cast<int64_t>(taps.size() / 2);
  const int64_t length = x.size(dim);
  const at::Tensor padded = dim == 3 ? at::reflection_pad2d(x, {radius, radius, 0, 0})
                                     : at::reflection_pad2d(x, {0, 0, radius, radius});
  at::Tensor out = padded.narrow(dim, 0, length) * taps[0];
  for (size_t i = 1; i < taps.size(); ++i) {
    out.add_(padded.narrow(dim, static_cast<int64_t>(i), length), taps[i]);
  }
  return out;
}

}  // namespace

at::Tensor GrayscaleView(const at::Tensor& crops) {
  CheckCrops(crops, "GrayscaleView");
  const at::Tensor r = crops.select(1, 0);
  const at::Tensor g = crops.select(1, 1);
  const at::Tensor b = crops.select(1, 2);
  const at::Tensor gray = r * 0.2989 + g * 0.587 + b * 0.114;
  return gray.unsqueeze(1).expand({-1, 3, -1, -1}).contiguous();
}

at::Tensor GaussianTaps(int kernel_size, double sigma) {
  TORCH_CHECK(kernel_size > 0 && kernel_size % 2 == 1 && sigma > 0,
              "GaussianTaps: need an odd positive kernel size and sigma > 0, got ", kernel_size,
              ", ", sigma);
  const double half = (kernel_size - 1) * 0.5;
  const at::Tensor x = at::linspace(-half, half, kernel_size, at::kFloat);
  const at::Tensor pdf = at::exp((x / sigma).pow(2) * -0.5);
  return pdf / pdf.sum();
}

at::Tensor BlurView(const at::Tensor& crops) {
  CheckCrops(crops, "BlurView");
  const int64_t radius = kBlurKernelSize / 2;
  TORCH_CHECK(crops.size(2) > radius && crops.size(3) > radius, "BlurView: reflect padding of ",
              radius, " needs crops of at least ", radius + 1, " pixels per side, got ",
              crops.sizes());
  // The taps are computed once per process (on the CPU), not per batch of crops.
  static const std::vector<double> taps = [] {
    const at::Tensor taps_tensor = GaussianTaps(kBlurKernelSize, kBlurSigma);
    std::vector<double> values(kBlurKernelSize);
    for (int i = 0; i < kBlurKernelSize; ++i) values[i] = taps_tensor[i].item<float>();
    return values;
  }();
  return BlurPass(BlurPass(crops, taps, /*dim=*/3), taps, /*dim=*/2);
}

at::Tensor FlipRows(const at::Tensor& crops) {
  TORCH_CHECK(crops.defined() && crops.dim() >= 2, "FlipRows: need at least 2 dims");
  return at::flip(crops, {-2});
}

at::Tensor FlipColumns(const at::Tensor& crops) {
  TORCH_CHECK(crops.defined() && crops.dim() >= 2, "FlipColumns: need at least 2 dims");
  return at::flip(crops, {-1});
}

at::Tensor MakeFiveViews(const at::Tensor& crops) {
  CheckCrops(crops, "MakeFiveViews");
  return at::cat(
      {crops, GrayscaleView(crops), BlurView(crops), FlipRows(crops), FlipColumns(crops)}, 0);
}

}  // namespace itaclip::pipeline
