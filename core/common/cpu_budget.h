// How many CPUs this process may really use: the affinity mask (taskset, cpuset, Kubernetes'
// static CPU manager) and the cgroup CPU quota (a container's `cpu.max`, Kubernetes' CPU limit),
// not the host's core count, which std::thread::hardware_concurrency() reports even inside a pod
// limited to one CPU. Torch-free.
#ifndef ITACLIP_CORE_COMMON_CPU_BUDGET_H_
#define ITACLIP_CORE_COMMON_CPU_BUDGET_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace itaclip {

// The CPU quota of the cgroup a process is in, in CPUs (quota / period; 1.5 for "150000 100000"),
// or nullopt when neither it nor an ancestor sets one. `proc_self_cgroup` is the text of
// /proc/self/cgroup; `cgroup_root` the cgroup file system's mount point (/sys/fs/cgroup). Reads
// cgroup v2 (`cpu.max` of the process's cgroup and its ancestors) and v1 (`cpu.cfs_quota_us` and
// `cpu.cfs_period_us` under the `cpu` controller's mount, cpu/ or cpu,cpuacct/); the tightest
// limit on the path wins. Inside a container whose cgroup is mounted as the root, the process's
// own path does not exist there and the root's files are read.
std::optional<double> CgroupCpuQuota(absl::string_view proc_self_cgroup,
                                     const std::string& cgroup_root);

// The CPUs this process may use: min(CPUs in its affinity mask, ⌈cgroup quota⌉), at least 1.
int AvailableCpus();

}  // namespace itaclip

#endif  // ITACLIP_CORE_COMMON_CPU_BUDGET_H_
