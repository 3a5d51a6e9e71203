// How many ViT views each sliding-window crop is run as (spec §5.2, ITACLIP's image engineering):
// the crop, its grayscale, its blur, and its row and column flips. Torch-free, for the code that
// sizes batches and memory.
#ifndef ITACLIP_CORE_PIPELINE_VIEW_COUNT_H_
#define ITACLIP_CORE_PIPELINE_VIEW_COUNT_H_

namespace itaclip::pipeline {

inline constexpr int kNumViews = 5;

}  // namespace itaclip::pipeline

#endif  // ITACLIP_CORE_PIPELINE_VIEW_COUNT_H_
