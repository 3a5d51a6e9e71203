// The tunable parameters of the ITACLIP image pipeline (spec §6) and the fixed
// pixel statistics of the preprocessing (spec §4.4). Presets
// (configs/presets/*.conf, see preset_file.h) fill this struct.
#ifndef ITACLIP_CORE_PIPELINE_PIPELINE_PARAMS_H_
#define ITACLIP_CORE_PIPELINE_PIPELINE_PARAMS_H_

#include <array>
#include <optional>
#include <vector>

namespace itaclip::pipeline {

// CLIP's pixel mean and std multiplied by 255 and rounded to 3 decimals, in RGB
// order, as mmseg's SegDataPreProcessor holds them (float32 tensors): x_norm =
// (x_rgb - mean) / std.
inline constexpr std::array<float, 3> kPixelMeanRgb = {122.771f, 116.746f, 104.094f};
inline constexpr std::array<float, 3> kPixelStdRgb = {68.501f, 66.632f, 70.323f};

// One dataset configuration. The defaults are those of the VOC21 column except
// where noted; a preset file always sets every field explicitly. Plain value
// type: copyable, no invariants beyond those checked by ValidateParams
// (preset_file.h).
struct PipelineParams {
  // Target length of the image's short side after the keep-ratio resize (mmcv
  // Resize scale (2048, S)): 336 for VOC21/Context60/COCO-Object, 448 for
  // COCO-Stuff, 560 for Cityscapes.
  int short_side = 336;
  // The long side may not exceed this after the resize: f =
  // min(long_limit/long, S/short).
  int long_side_limit = 2048;
  // Side of the square sliding window, in resized-image pixels (224 = the ViT
  // input size).
  int crop_size = 224;
  // Step between sliding windows (28 in every config; must not exceed
  // crop_size).
  int stride = 28;
  // True for datasets whose class 0 is "background" and whose class-0 queries
  // come first (VOC21, Context60, COCO-Object): their queries are not blended,
  // and auxiliary line j is class j+1.
  bool background_first = true;
  // Weight c of the LLM auxiliary-text embedding in the query blend (1-c)*name
  // + c*aux (§3.4).
  double def_coefficient = 0.05;
  // Weight alpha of the non-flip branch in P = alpha*S + (1-alpha)*S_flip (§5.2
  // step 8).
  double img_eng_coefficient = 0.70;
  // Multiplier of the raw logits before the softmax over queries (§5.4); NOT
  // CLIP's learned 100.
  double logit_scale = 60.0;
  // Pixels whose best class probability is below this get label 0; 0 disables
  // it (§5.4 step 4).
  double prob_thd = 0.1;
  // Classes c >= 1 whose predicted area is not > area_thd * (total foreground
  // area) are zeroed before the argmax (§5.4 step 3); nullopt disables it (only
  // VOC21 uses 0.1).
  std::optional<double> area_thd = 0.1;
  // Number of PAMR iterations (§5.3); 0 skips PAMR.
  int pamr_steps = 10;
  // PAMR neighbourhood dilations, in order (8 neighbours per dilation, the
  // first dilation first).
  std::vector<int> pamr_dilations = {8, 16};
  // Memory knob only: process the per-class max in column chunks of this width;
  // 0 = no chunking. Results do not depend on it.
  int width_chunk_size = 0;
};

}  // namespace itaclip::pipeline

#endif  // ITACLIP_CORE_PIPELINE_PIPELINE_PARAMS_H_
