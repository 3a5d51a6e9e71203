// Counts the ATen operators the calling process dispatches while a counter is alive: a
// hardware-independent proxy for CUDA kernel launches (which cost microseconds each on the host)
// and for host read-backs of device values (each a synchronisation on CUDA). Measured on the CPU,
// it shows what a change does to the launch count before a GPU is at hand.
#ifndef ITACLIP_BENCH_OP_COUNTER_H_
#define ITACLIP_BENCH_OP_COUNTER_H_

#include <cstdint>

namespace itaclip::bench {

struct OpCounts {
  // Leaf operators (no operator dispatched inside them) other than views, reshapes and
  // allocations: the ones that run a kernel.
  int64_t compute_ops = 0;
  // aten::_local_scalar_dense (Tensor::item and friends): a device-to-host read of a value.
  int64_t scalar_reads = 0;
};

// Installs a global RecordFunction callback; one counter at a time. Counts ops on every thread.
class OpCounter {
 public:
  OpCounter();
  ~OpCounter();
  OpCounter(const OpCounter&) = delete;
  OpCounter& operator=(const OpCounter&) = delete;

  // The counts since construction or the last Reset.
  OpCounts counts() const;
  void Reset();

 private:
  uint64_t handle_;
};

}  // namespace itaclip::bench

#endif  // ITACLIP_BENCH_OP_COUNTER_H_
