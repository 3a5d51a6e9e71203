#include "core/common/cpu_budget.h"

#include <sched.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace itaclip {
namespace {

std::optional<std::string> ReadSmallFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// "max 100000" (no limit) or "150000 100000" (cgroup v2 cpu.max).
std::optional<double> ParseCpuMax(absl::string_view text) {
  const std::vector<absl::string_view> fields =
      absl::StrSplit(absl::StripAsciiWhitespace(text), ' ', absl::SkipEmpty());
  double quota = 0, period = 0;
  if (fields.size() != 2 || !absl::SimpleAtod(fields[0], &quota) ||
      !absl::SimpleAtod(fields[1], &period) || quota <= 0 || period <= 0) {
    return std::nullopt;
  }
  return quota / period;
}

// cgroup v1: cpu.cfs_quota_us is -1 without a limit.
std::optional<double> ReadCfsQuota(const std::string& dir) {
  const std::optional<std::string> quota_text = ReadSmallFile(dir + "/cpu.cfs_quota_us");
  const std::optional<std::string> period_text = ReadSmallFile(dir + "/cpu.cfs_period_us");
  double quota = 0, period = 0;
  if (!quota_text || !period_text ||
      !absl::SimpleAtod(absl::StripAsciiWhitespace(*quota_text), &quota) ||
      !absl::SimpleAtod(absl::StripAsciiWhitespace(*period_text), &period) || quota <= 0 ||
      period <= 0) {
    return std::nullopt;
  }
  return quota / period;
}

// The tightest quota on `cgroup_path` and its ancestors under `mount`, read by `read_dir`. When
// the path does not exist under the mount (a container whose own cgroup is mounted as the
// root), only the mount's root is read.
template <typename ReadDir>
std::optional<double> TightestOnPath(const std::string& mount, absl::string_view cgroup_path,
                                     ReadDir read_dir) {
  std::optional<double> tightest;
  auto consider = [&](const std::string& dir) {
    const std::optional<double> quota = read_dir(dir);
    if (quota && (!tightest || *quota < *tightest)) tightest = quota;
  };
  std::string path(absl::StripSuffix(cgroup_path, "/"));
  if (!path.empty() && path.front() != '/') path.insert(0, "/");
  std::error_code error;
  if (!path.empty() && std::filesystem::is_directory(mount + path, error)) {
    for (; !path.empty(); path.resize(path.rfind('/'))) consider(mount + path);
  }
  consider(mount);
  return tightest;
}

}  // namespace

std::optional<double> CgroupCpuQuota(absl::string_view proc_self_cgroup,
                                     const std::string& cgroup_root) {
  std::optional<double> tightest;
  auto consider = [&](std::optional<double> quota) {
    if (quota && (!tightest || *quota < *tightest)) tightest = quota;
  };
  // Lines are "hierarchy-id:controllers:path"; "0::path" is the v2 hierarchy.
  for (absl::string_view line : absl::StrSplit(proc_self_cgroup, '\n', absl::SkipEmpty())) {
    const std::vector<absl::string_view> fields = absl::StrSplit(line, absl::MaxSplits(':', 2));
    if (fields.size() != 3) continue;
    const absl::string_view controllers = fields[1], path = fields[2];
    if (controllers.empty()) {
      // v2: mounted at the root, or at unified/ beside v1 controllers (hybrid).
      for (const std::string& mount : {cgroup_root, cgroup_root + "/unified"}) {
        consider(TightestOnPath(mount, path, [](const std::string& dir) {
          const std::optional<std::string> text = ReadSmallFile(dir + "/cpu.max");
          return text ? ParseCpuMax(*text) : std::nullopt;
        }));
      }
      continue;
    }
    for (absl::string_view controller : absl::StrSplit(controllers, ',')) {
      if (controller != "cpu") continue;
      for (const std::string& mount : {cgroup_root + "/cpu", cgroup_root + "/cpu,cpuacct",
                                       cgroup_root + "/" + std::string(controllers)}) {
        consider(TightestOnPath(mount, path, ReadCfsQuota));
      }
    }
  }
  return tightest;
}

int AvailableCpus() {
  int cpus = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  cpu_set_t mask;
  CPU_ZERO(&mask);
  if (sched_getaffinity(0, sizeof(mask), &mask) == 0) cpus = std::max(1, CPU_COUNT(&mask));
  const std::optional<std::string> cgroup = ReadSmallFile("/proc/self/cgroup");
  if (cgroup) {
    if (const std::optional<double> quota = CgroupCpuQuota(*cgroup, "/sys/fs/cgroup")) {
      cpus = std::min(cpus, std::max(1, static_cast<int>(std::ceil(*quota - 1e-9))));
    }
  }
  return cpus;
}

}  // namespace itaclip
