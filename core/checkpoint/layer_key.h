// Parsing of per-layer state-dict keys such as "visual.transformer.resblocks.11.ln_1.weight".
#ifndef ITACLIP_CORE_CHECKPOINT_LAYER_KEY_H_
#define ITACLIP_CORE_CHECKPOINT_LAYER_KEY_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace itaclip::checkpoint {

// If `key` is "<prefix><index>.<suffix>", returns the index and, when `suffix` is not null, sets
// it (a view into `key`); nullopt if the key is not under `prefix`; INVALID_ARGUMENT if it is but
// the index is not a decimal number followed by '.'. Thread-safe.
absl::StatusOr<std::optional<int64_t>> ParseLayerKey(const std::string& key,
                                                     absl::string_view prefix,
                                                     absl::string_view* suffix = nullptr);

}  // namespace itaclip::checkpoint

#endif  // ITACLIP_CORE_CHECKPOINT_LAYER_KEY_H_
