// The project's only RETURN_IF_ERROR / ASSIGN_OR_RETURN macros.
#ifndef ITACLIP_CORE_COMMON_STATUS_MACROS_H_
#define ITACLIP_CORE_COMMON_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define ITACLIP_STATUS_CONCAT_INNER(a, b) a##b
#define ITACLIP_STATUS_CONCAT(a, b) ITACLIP_STATUS_CONCAT_INNER(a, b)

// Returns the status from the enclosing function if `expr` is not OK.
#define RETURN_IF_ERROR(expr)                          \
  do {                                                 \
    const absl::Status itaclip_status_ = (expr);       \
    if (!itaclip_status_.ok()) return itaclip_status_; \
  } while (false)

// `ASSIGN_OR_RETURN(auto x, F());` binds the value of a StatusOr or returns its error.
#define ASSIGN_OR_RETURN(lhs, expr) \
  ASSIGN_OR_RETURN_IMPL(ITACLIP_STATUS_CONCAT(itaclip_statusor_, __LINE__), lhs, expr)

#define ASSIGN_OR_RETURN_IMPL(statusor, lhs, expr) \
  auto statusor = (expr);                          \
  if (!statusor.ok()) return statusor.status();    \
  lhs = std::move(statusor).value()

#endif  // ITACLIP_CORE_COMMON_STATUS_MACROS_H_
