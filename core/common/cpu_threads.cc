#include "core/common/cpu_threads.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <thread>

namespace itaclip {

void ConfigureCpuThreads(int requested) {
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  at::set_num_threads(requested > 0 ? requested : cores);
}

}  // namespace itaclip
