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
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "c10/util/Exception.h"

namespace itaclip {

// Whether a c10::Error is an allocation failure. On CUDA that is c10::OutOfMemoryError; LibTorch's
// CPU allocator raises a plain c10::Error from alloc_cpu.cpp ("DefaultCPUAllocator: can't
// allocate memory: you tried to allocate N bytes").
inline bool IsAllocationFailure(const c10::Error& e) {
  const absl::string_view text = e.what_without_backtrace();
  return absl::StrContains(text, "can't allocate memory") ||
         absl::StrContains(text, "alloc_cpu.cpp");
}

// Runs `fn` (returning absl::Status or absl::StatusOr<T>) and converts exceptions: an allocation
// failure to RESOURCE_EXHAUSTED with a plain message (the allocator's text, with its source paths
// and byte counts, helps no client), everything else to INTERNAL, each prefixed with `what` (e.g.
// "vision forward").
template <typename Fn>
auto GuardTorch(absl::string_view what, Fn&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const c10::OutOfMemoryError&) {
    return absl::ResourceExhaustedError(
        absl::StrCat(what, ": out of device memory; retry later or send a smaller request"));
  } catch (const c10::Error& e) {
    if (IsAllocationFailure(e)) {
      return absl::ResourceExhaustedError(
          absl::StrCat(what, ": out of host memory; retry later or send a smaller request"));
    }
    return absl::InternalError(absl::StrCat(what, ": ", e.what_without_backtrace()));
  } catch (const std::bad_alloc&) {
    return absl::ResourceExhaustedError(
        absl::StrCat(what, ": out of host memory; retry later or send a smaller request"));
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat(what, ": ", e.what()));
  }
}

}  // namespace itaclip

#endif  // ITACLIP_CORE_COMMON_TORCH_ERROR_GUARD_H_
