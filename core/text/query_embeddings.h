// The text side of a vocabulary, ready for segmentation: one embedding per query (class name).
#ifndef ITACLIP_CORE_TEXT_QUERY_EMBEDDINGS_H_
#define ITACLIP_CORE_TEXT_QUERY_EMBEDDINGS_H_

#include <ATen/core/Tensor.h>

#include <string>
#include <vector>

namespace itaclip::text {

struct QueryEmbeddings {
  // [Q, embed_dim] float32 on the model's device: f_q of spec §3.4 (norm 1 for unblended queries,
  // slightly below 1 for blended ones; never renormalised).
  at::Tensor embeddings;
  std::vector<int> query_class;          // class index of each query, non-decreasing
  std::vector<std::string> class_names;  // the first name of each class
  int num_classes() const { return static_cast<int>(class_names.size()); }
};

}  // namespace itaclip::text

#endif  // ITACLIP_CORE_TEXT_QUERY_EMBEDDINGS_H_
