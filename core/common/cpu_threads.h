// LibTorch's CPU thread count for a process.
#ifndef ITACLIP_CORE_COMMON_CPU_THREADS_H_
#define ITACLIP_CORE_COMMON_CPU_THREADS_H_

namespace itaclip {

// Sets LibTorch's intra-op threads to `requested`, or to every core when `requested` <= 0.
// (Debian's LibTorch otherwise starts with one OpenMP thread here, which leaves the element-wise
// work of the ViT on one core while the BLAS uses all.) Call once, before any tensor work.
void ConfigureCpuThreads(int requested);

}  // namespace itaclip

#endif  // ITACLIP_CORE_COMMON_CPU_THREADS_H_
