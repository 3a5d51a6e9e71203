#include "core/pipeline/postprocess.h"

#include <ATen/ATen.h>
#include <c10/util/Exception.h>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <vector>

namespace itaclip::pipeline {
namespace {

void CheckMaps(const at::Tensor& maps, const char* what) {
  TORCH_CHECK(maps.defined() && maps.dim() == 3 && maps.size(0) > 0, what,
              ": expected a non-empty [N, H, W] tensor, got ",
              maps.defined() ? maps.sizes() : at::IntArrayRef{});
  TORCH_CHECK(at::isFloatingType(maps.scalar_type()), what, ": expected a floating dtype, got ",
              maps.scalar_type());
}

}  // namespace

at::Tensor QuerySoftmax(const at::Tensor& logits, double logit_scale) {
  CheckMaps(logits, "QuerySoftmax");
  return at::softmax(logits * logit_scale, 0);
}

at::Tensor ClassMaxOverQueries(const at::Tensor& query_probs, const std::vector<int>& query_class,
                               int num_classes) {
  CheckMaps(query_probs, "ClassMaxOverQueries");
  const int64_t num_queries = query_probs.size(0);
  TORCH_CHECK(static_cast<int64_t>(query_class.size()) == num_queries,
              "ClassMaxOverQueries: ", query_class.size(), " query classes for ", num_queries,
              " queries");
  TORCH_CHECK(num_classes > 0, "ClassMaxOverQueries: num_classes must be positive, got ",
              num_classes);
  for (int c : query_class) {
    TORCH_CHECK(c >= 0 && c < num_classes, "ClassMaxOverQueries: query class ", c, " outside [0, ",
                num_classes, ")");
  }
  if (num_classes == num_queries) return query_probs;
  std::vector<std::vector<int64_t>> queries_of(static_cast<size_t>(num_classes));
  for (int64_t q = 0; q < num_queries; ++q) {
    queries_of[static_cast<size_t>(query_class[static_cast<size_t>(q)])].push_back(q);
  }
  // A few whole-range ops rather than one per query (a GPU pays per launch), and no index tensor
  // (which would be a host-to-device copy): each class starts as its first query, copied in runs of
  // consecutive classes whose first queries are consecutive (one run when every class has one
  // name), then the other queries are folded in with a max. A class without queries stays 0, the
  // reference's product with an all-zero one-hot row (probabilities are >= 0).
  at::Tensor class_probs =
      at::empty({num_classes, query_probs.size(1), query_probs.size(2)}, query_probs.options());
  for (int64_t c = 0; c < num_classes;) {
    const std::vector<int64_t>& first = queries_of[static_cast<size_t>(c)];
    if (first.empty()) {
      class_probs[c].zero_();
      ++c;
      continue;
    }
    int64_t end = c + 1;
    while (end < num_classes && !queries_of[static_cast<size_t>(end)].empty() &&
           queries_of[static_cast<size_t>(end)].front() == first.front() + (end - c)) {
      ++end;
    }
    class_probs.narrow(0, c, end - c).copy_(query_probs.narrow(0, first.front(), end - c));
    c = end;
  }
  for (int64_t c = 0; c < num_classes; ++c) {
    const std::vector<int64_t>& queries = queries_of[static_cast<size_t>(c)];
    at::Tensor target = class_probs[c];
    for (size_t i = 1; i < queries.size(); ++i) {
      at::maximum_out(target, target, query_probs[queries[i]]);
    }
  }
  return class_probs;
}

void ApplyAreaThreshold(at::Tensor& class_probs, double area_thd) {
  CheckMaps(class_probs, "ApplyAreaThreshold");
  const int64_t num_classes = class_probs.size(0);
  if (num_classes < 2) return;
  const at::Tensor labels = class_probs.argmax(0).flatten();
  // A scatter-add rather than at::bincount, whose CUDA version reads the largest label back to the
  // host (a synchronisation).
  const at::Tensor counts =
      at::zeros({num_classes}, labels.options()).scatter_add_(0, labels, at::ones_like(labels));
  // float32 like the reference's one-hot sums (exact integers below 2^24
  // pixels), and the threshold product is rounded to float32 before the strict
  // comparison, as there.
  const at::Tensor foreground = counts.slice(0, 1).to(at::kFloat);
  const at::Tensor keep = foreground > foreground.sum() * area_thd;
  class_probs.slice(0, 1).mul_(keep.to(class_probs.scalar_type()).view({-1, 1, 1}));
}

at::Tensor ArgmaxWithProbThreshold(const at::Tensor& class_probs, double prob_thd) {
  CheckMaps(class_probs, "ArgmaxWithProbThreshold");
  at::Tensor labels = class_probs.argmax(0);
  labels.masked_fill_(class_probs.amax(0) < prob_thd, 0);
  return labels;
}

cv::Mat CloseLabels3x3(const cv::Mat& labels) {
  CV_Assert(!labels.empty() && (labels.type() == CV_8UC1 || labels.type() == CV_16UC1));
  cv::Mat closed;
  cv::morphologyEx(labels, closed, cv::MORPH_CLOSE,
                   cv::getStructuringElement(cv::MORPH_RECT, cv::Size(3, 3)));
  return closed;
}

PostprocessResult Postprocess(const at::Tensor& query_logits, const std::vector<int>& query_class,
                              int num_classes, const PipelineParams& params, bool keep_scores) {
  TORCH_CHECK(num_classes >= 1 && num_classes <= 65536,
              "Postprocess: num_classes must be in [1, 65536], got ", num_classes);
  // The softmax output is a fresh tensor, so the in-place threshold below never
  // reaches the input even when ClassMaxOverQueries returns its argument.
  at::Tensor class_probs =
      ClassMaxOverQueries(QuerySoftmax(query_logits, params.logit_scale), query_class, num_classes);
  PostprocessResult result;
  if (keep_scores) result.class_probs = class_probs.clone();
  if (params.area_thd.has_value()) ApplyAreaThreshold(class_probs, *params.area_thd);
  const at::Tensor labels =
      ArgmaxWithProbThreshold(class_probs, params.prob_thd).to(at::kCPU, at::kInt).contiguous();
  const cv::Mat labels_s32(static_cast<int>(labels.size(0)), static_cast<int>(labels.size(1)),
                           CV_32SC1, labels.data_ptr<int32_t>());
  cv::Mat labels_small;
  labels_s32.convertTo(labels_small, num_classes <= 256 ? CV_8U : CV_16U);
  result.labels = CloseLabels3x3(labels_small);
  return result;
}

}  // namespace itaclip::pipeline
