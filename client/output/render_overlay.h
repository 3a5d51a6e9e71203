// Renders a label map over its image: one colour per class, blended, with a legend of the classes
// present.
#ifndef ITACLIP_CLIENT_OUTPUT_RENDER_OVERLAY_H_
#define ITACLIP_CLIENT_OUTPUT_RENDER_OVERLAY_H_

#include <cstdint>
#include <opencv2/core/mat.hpp>
#include <string>
#include <vector>

namespace itaclip::client {

// The colour of class `index` (BGR): the PASCAL VOC palette (bit-interleaved), so VOC labels get
// their familiar colours and every class a distinct one.
cv::Vec3b ClassColor(int index);

// bgr_image: CV_8UC3; labels: CV_8U or CV_16U of the same size. Returns the image blended 50/50
// with the class colours, with a legend (colour swatch, class name, share of pixels) to the right
// listing the classes present, largest first.
cv::Mat RenderOverlay(const cv::Mat& bgr_image, const cv::Mat& labels,
                      const std::vector<std::string>& class_names,
                      const std::vector<int64_t>& class_pixel_counts);

}  // namespace itaclip::client

#endif  // ITACLIP_CLIENT_OUTPUT_RENDER_OVERLAY_H_
