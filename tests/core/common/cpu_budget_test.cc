#include "core/common/cpu_budget.h"

#include <sched.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "gtest/gtest.h"
#include "tests/testing/scratch_dir_test.h"

namespace itaclip {
namespace {

// Fake cgroup file systems in a scratch folder, laid out as the kernel mounts them.
class CgroupCpuQuotaTest : public testing::ScratchDirTest {
 protected:
  void Write(const std::string& relative, const std::string& text) {
    const std::filesystem::path path = ScratchPath(relative);
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path) << text;
  }
  // A cgroup folder exists as far as the reader is concerned when it is a directory.
  void MakeCgroup(const std::string& relative) {
    std::filesystem::create_directories(ScratchPath(relative));
  }
};

TEST_F(CgroupCpuQuotaTest, V2QuotaOfTheProcessCgroup) {
  MakeCgroup("kubepods/pod1/ctr");
  Write("kubepods/pod1/ctr/cpu.max", "150000 100000\n");
  const std::optional<double> quota = CgroupCpuQuota("0::/kubepods/pod1/ctr\n", scratch_dir());
  ASSERT_TRUE(quota.has_value());
  EXPECT_DOUBLE_EQ(*quota, 1.5);
}

TEST_F(CgroupCpuQuotaTest, V2NoLimitIsNullopt) {
  MakeCgroup("user.slice");
  Write("user.slice/cpu.max", "max 100000\n");
  Write("cpu.max", "max 100000\n");
  EXPECT_FALSE(CgroupCpuQuota("0::/user.slice\n", scratch_dir()).has_value());
}

TEST_F(CgroupCpuQuotaTest, V2TightestAncestorWins) {
  MakeCgroup("kubepods/pod1/ctr");
  Write("kubepods/pod1/ctr/cpu.max", "max 100000\n");
  Write("kubepods/pod1/cpu.max", "50000 100000\n");  // the pod's limit: half a CPU
  Write("kubepods/cpu.max", "400000 100000\n");
  const std::optional<double> quota = CgroupCpuQuota("0::/kubepods/pod1/ctr\n", scratch_dir());
  ASSERT_TRUE(quota.has_value());
  EXPECT_DOUBLE_EQ(*quota, 0.5);
}

TEST_F(CgroupCpuQuotaTest, V2ContainerWithItsOwnCgroupAsTheRoot) {
  // Inside a container (cgroup namespace), /proc/self/cgroup may still name a host path that
  // does not exist under the container's mount; its own limit is at the mount's root.
  Write("cpu.max", "200000 100000\n");
  const std::optional<double> quota = CgroupCpuQuota("0::/system.slice/ctr.scope\n", scratch_dir());
  ASSERT_TRUE(quota.has_value());
  EXPECT_DOUBLE_EQ(*quota, 2.0);
}

TEST_F(CgroupCpuQuotaTest, V1CfsQuotaUnderCpuCpuacct) {
  MakeCgroup("cpu,cpuacct/docker/abc");
  Write("cpu,cpuacct/docker/abc/cpu.cfs_quota_us", "250000\n");
  Write("cpu,cpuacct/docker/abc/cpu.cfs_period_us", "100000\n");
  const std::optional<double> quota =
      CgroupCpuQuota("12:memory:/docker/abc\n3:cpu,cpuacct:/docker/abc\n", scratch_dir());
  ASSERT_TRUE(quota.has_value());
  EXPECT_DOUBLE_EQ(*quota, 2.5);
}

TEST_F(CgroupCpuQuotaTest, V1MinusOneIsNoLimit) {
  // This machine's own layout: cgroup v1 cpu controller, no quota.
  Write("cpu/cpu.cfs_quota_us", "-1\n");
  Write("cpu/cpu.cfs_period_us", "100000\n");
  EXPECT_FALSE(CgroupCpuQuota("1:cpu:/\n0::/\n", scratch_dir()).has_value());
}

TEST_F(CgroupCpuQuotaTest, HybridV2UnderUnified) {
  MakeCgroup("unified/app");
  Write("unified/app/cpu.max", "100000 100000\n");
  const std::optional<double> quota = CgroupCpuQuota("1:cpu:/\n0::/app\n", scratch_dir());
  ASSERT_TRUE(quota.has_value());
  EXPECT_DOUBLE_EQ(*quota, 1.0);
}

TEST_F(CgroupCpuQuotaTest, MalformedFilesAreIgnored) {
  Write("cpu.max", "lots 100000\n");
  Write("cpu/cpu.cfs_quota_us", "\n");
  Write("cpu/cpu.cfs_period_us", "0\n");
  EXPECT_FALSE(CgroupCpuQuota("0::/\n1:cpu:/\ngarbage\n", scratch_dir()).has_value());
  EXPECT_FALSE(CgroupCpuQuota("", scratch_dir()).has_value());
}

TEST(AvailableCpusTest, FollowsTheAffinityMask) {
  cpu_set_t original;
  ASSERT_EQ(sched_getaffinity(0, sizeof(original), &original), 0);
  const int allowed = CPU_COUNT(&original);
  EXPECT_GE(AvailableCpus(), 1);
  EXPECT_LE(AvailableCpus(), allowed);
  // Pinned to one CPU (as `taskset -c 0` would), the process may use one.
  cpu_set_t one;
  CPU_ZERO(&one);
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (CPU_ISSET(cpu, &original)) {
      CPU_SET(cpu, &one);
      break;
    }
  }
  ASSERT_EQ(sched_setaffinity(0, sizeof(one), &one), 0);
  const int pinned = AvailableCpus();
  ASSERT_EQ(sched_setaffinity(0, sizeof(original), &original), 0);
  EXPECT_EQ(pinned, 1);
}

}  // namespace
}  // namespace itaclip
