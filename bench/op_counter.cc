#include "bench/op_counter.h"

#include <ATen/record_function.h>

#include <atomic>
#include <cstring>
#include <memory>
#include <vector>

namespace itaclip::bench {
namespace {

std::atomic<int64_t> compute_ops{0};
std::atomic<int64_t> scalar_reads{0};

// Per thread, one flag per operator being run: whether a compute op ran inside it.
thread_local std::vector<bool> open_ops;

// Leaves that only describe memory (views, shapes) or allocate it: no kernel.
bool IsMetadataOnly(const char* name) {
  static const char* const kNames[] = {"aten::view",
                                       "aten::_unsafe_view",
                                       "aten::reshape",
                                       "aten::_reshape_alias",
                                       "aten::slice",
                                       "aten::select",
                                       "aten::narrow",
                                       "aten::as_strided",
                                       "aten::permute",
                                       "aten::transpose",
                                       "aten::t",
                                       "aten::expand",
                                       "aten::expand_as",
                                       "aten::unsqueeze",
                                       "aten::squeeze",
                                       "aten::flatten",
                                       "aten::unflatten",
                                       "aten::unbind",
                                       "aten::split",
                                       "aten::split_with_sizes",
                                       "aten::chunk",
                                       "aten::alias",
                                       "aten::detach",
                                       "aten::empty",
                                       "aten::empty_like",
                                       "aten::empty_strided",
                                       "aten::resize_",
                                       "aten::contiguous",
                                       "aten::lift_fresh",
                                       "aten::to",
                                       "aten::result_type",
                                       "aten::view_as",
                                       "aten::_nnz",
                                       "aten::crow_indices",
                                       "aten::col_indices",
                                       "aten::values",
                                       "aten::set_",
                                       "aten::is_nonzero",
                                       "aten::resolve_conj",
                                       "aten::resolve_neg",
                                       "aten::conj",
                                       "aten::_conj",
                                       "aten::item"};
  for (const char* known : kNames) {
    if (std::strcmp(name, known) == 0) return true;
  }
  return false;
}

std::unique_ptr<at::ObserverContext> OnStart(const at::RecordFunction& /*fn*/) {
  open_ops.push_back(false);
  return nullptr;
}

void OnEnd(const at::RecordFunction& fn, at::ObserverContext* /*context*/) {
  if (open_ops.empty()) return;  // started before the counter was installed
  const bool ran_compute_inside = open_ops.back();
  open_ops.pop_back();
  const char* name = fn.name();
  if (std::strcmp(name, "aten::_local_scalar_dense") == 0) ++scalar_reads;
  // Only compute ops make their caller a non-leaf: aten::addmm stays a leaf although it calls
  // aten::resolve_conj.
  const bool counted = !ran_compute_inside && !IsMetadataOnly(name);
  if (counted) ++compute_ops;
  if ((counted || ran_compute_inside) && !open_ops.empty()) open_ops.back() = true;
}

}  // namespace

OpCounter::OpCounter()
    : handle_(at::addGlobalCallback(
          at::RecordFunctionCallback(&OnStart, &OnEnd).scopes({at::RecordScope::FUNCTION}))) {}

OpCounter::~OpCounter() { at::removeCallback(handle_); }

OpCounts OpCounter::counts() const { return {compute_ops.load(), scalar_reads.load()}; }

void OpCounter::Reset() {
  compute_ops = 0;
  scalar_reads = 0;
}

}  // namespace itaclip::bench
