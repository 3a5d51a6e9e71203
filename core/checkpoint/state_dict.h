// A checkpoint's tensors by their OpenAI CLIP state-dict names ("visual.conv1.weight", ...).
#ifndef ITACLIP_CORE_CHECKPOINT_STATE_DICT_H_
#define ITACLIP_CORE_CHECKPOINT_STATE_DICT_H_

#include <ATen/core/Tensor.h>

#include <map>
#include <string>

namespace itaclip::checkpoint {

using StateDict = std::map<std::string, at::Tensor>;

}  // namespace itaclip::checkpoint

#endif  // ITACLIP_CORE_CHECKPOINT_STATE_DICT_H_
