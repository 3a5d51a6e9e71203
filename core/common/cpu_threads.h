// LibTorch's CPU thread count for a process.
#ifndef ITACLIP_CORE_COMMON_CPU_THREADS_H_
#define ITACLIP_CORE_COMMON_CPU_THREADS_H_

namespace itaclip {

// Sets LibTorch's intra-op threads to `requested`, or, when `requested` <= 0, to the CPUs this
// process may really use (AvailableCpus(): the affinity mask and the cgroup CPU quota; LibTorch's
// own default counts the host's cores, so a pod limited to 2 CPUs on a 64-core node would run 64
// threads that the quota throttles). Call once, before any tensor work. Returns the count set.
int ConfigureCpuThreads(int requested);

}  // namespace itaclip

#endif  // ITACLIP_CORE_COMMON_CPU_THREADS_H_
