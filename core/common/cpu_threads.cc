#include "core/common/cpu_threads.h"

#include <ATen/Parallel.h>

#include "core/common/cpu_budget.h"

namespace itaclip {

int ConfigureCpuThreads(int requested) {
  const int threads = requested > 0 ? requested : AvailableCpus();
  at::set_num_threads(threads);
  return threads;
}

}  // namespace itaclip
