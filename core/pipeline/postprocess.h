// Post-processing of the refined query logits into a label map (spec §5.4,
// pitfalls 11-13), split into its steps plus a composed Postprocess.
//
// The tensor functions accept tensors on any device (they use device-agnostic
// ATen ops) and throw c10::Error on bad shapes or arguments (GuardTorch
// converts it). All functions are pure apart from ApplyAreaThreshold
// (documented in-place) and are thread-safe on distinct tensors.
#ifndef ITACLIP_CORE_PIPELINE_POSTPROCESS_H_
#define ITACLIP_CORE_PIPELINE_POSTPROCESS_H_

#include <ATen/core/Tensor.h>

#include <opencv2/core/mat.hpp>
#include <vector>

#include "core/pipeline/pipeline_params.h"

namespace itaclip::pipeline {

// softmax over the Q queries (dim 0) of logit_scale * logits. logits: [Q, H, W]
// floating. Returns a new float tensor of the logits' dtype.
at::Tensor QuerySoftmax(const at::Tensor& logits, double logit_scale);

// Per-class probability = the MAX (not the sum) of query_probs over the queries
// of each class: query_class[q] in [0, num_classes) is the class of query q,
// query_class.size() == Q. A class without queries gets 0 (as the reference's
// one-hot product). When num_classes == Q the reference skips this step, and so
// does this function: it returns `query_probs` itself (shared storage, not a
// copy). Otherwise returns a new [num_classes, H, W] tensor, built with one
// elementwise max per query (no [C, Q, H, W] intermediate).
at::Tensor ClassMaxOverQueries(const at::Tensor& query_probs, const std::vector<int>& query_class,
                               int num_classes);

// In place on class_probs [C, H, W]: lab = argmax_c (ties to the lowest class),
// n_c = the pixel count of class c for c >= 1; every class c >= 1 with NOT (n_c
// > area_thd * sum_{c'>=1} n_c') is multiplied by 0 at every pixel (the
// comparison in float32, as the reference). The threshold is strict and
// relative to the predicted foreground area; if nothing is foreground all
// classes c >= 1 are zeroed. Class 0 is never changed.
void ApplyAreaThreshold(at::Tensor& class_probs, double area_thd);

// labels = argmax over dim 0 of class_probs [C, H, W] (ties go to the lowest
// class index, which ATen's argmax guarantees on CPU and CUDA), then 0 wherever
// max_c class_probs < prob_thd. Returns a new [H, W] int64 tensor on
// class_probs' device.
at::Tensor ArgmaxWithProbThreshold(const at::Tensor& class_probs, double prob_thd);

// Grayscale morphological closing of a label map with a 3x3 rectangle (anchor
// at the centre, one iteration): a 3x3 max (dilation) then a 3x3 min (erosion);
// pixels outside the image are ignored (OpenCV's default border). `labels` is
// CV_8UC1 or CV_16UC1 (for more than 256 classes); returns a new Mat of the
// same type. Throws cv::Exception for another type or an empty Mat.
cv::Mat CloseLabels3x3(const cv::Mat& labels);

// The composed post-processing of the refined query logits [Q, H, W]:
// QuerySoftmax(logit_scale) -> ClassMaxOverQueries -> [ApplyAreaThreshold if
// params.area_thd] -> ArgmaxWithProbThreshold(params.prob_thd) ->
// CloseLabels3x3.
struct PostprocessResult {
  // H x W label map on the host: CV_8UC1 when num_classes <= 256, else
  // CV_16UC1.
  cv::Mat labels;
  // The scores output: [num_classes, H, W] class probabilities after the query
  // softmax and the per-class max, BEFORE the area and probability thresholds,
  // on the logits' device. Defined only when keep_scores was true (then it is a
  // separate tensor that the thresholds did not touch).
  at::Tensor class_probs;
};

// See PostprocessResult. query_class and num_classes as in ClassMaxOverQueries
// (num_classes must be in [1, 65536]). The input logits are not modified.
PostprocessResult Postprocess(const at::Tensor& query_logits, const std::vector<int>& query_class,
                              int num_classes, const PipelineParams& params, bool keep_scores);

}  // namespace itaclip::pipeline

#endif  // ITACLIP_CORE_PIPELINE_POSTPROCESS_H_
