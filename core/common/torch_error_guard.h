// Core's public entry points run their LibTorch work through GuardTorch, so that a c10::Error (bad
// shape, out of memory, ...) or any std::exception becomes an absl::Status instead of escaping.
#ifndef ITACLIP_CORE_COMMON_TORCH_ERROR_GUARD_H_
#define ITACLIP_CORE_COMMON_TORCH_ERROR_GUARD_H_

#include <exception>
#include <new>
#include <type_traits>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "c10/util/Exception.h"

namespace itaclip {

// Runs `fn` (returning absl::Status or absl::StatusOr<T>) and converts exceptions: out-of-memory to
// RESOURCE_EXHAUSTED, everything else to INTERNAL, each prefixed with `what` (e.g. "vision
// forward").
template <typename Fn>
auto GuardTorch(absl::string_view what, Fn&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const c10::OutOfMemoryError& e) {
    return absl::ResourceExhaustedError(
        absl::StrCat(what, ": out of device memory: ", e.what_without_backtrace()));
  } catch (const c10::Error& e) {
    return absl::InternalError(absl::StrCat(what, ": ", e.what_without_backtrace()));
  } catch (const std::bad_alloc&) {
    return absl::ResourceExhaustedError(absl::StrCat(what, ": out of host memory"));
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat(what, ": ", e.what()));
  }
}

}  // namespace itaclip

#endif  // ITACLIP_CORE_COMMON_TORCH_ERROR_GUARD_H_
