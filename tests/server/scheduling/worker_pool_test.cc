// WorkerPool: continuations before intake work, the intake queue depth, and Stop's drain.
#include "server/scheduling/worker_pool.h"

#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"

namespace itaclip::server {
namespace {

// Records the order in which work ran.
class Journal {
 public:
  void Add(const std::string& entry) {
    absl::MutexLock lock(&mu_);
    entries_.push_back(entry);
  }
  std::vector<std::string> entries() const {
    absl::MutexLock lock(&mu_);
    return entries_;
  }

 private:
  mutable absl::Mutex mu_;
  std::vector<std::string> entries_;
};

// Occupies the pool's (single) worker until `release` is notified; returns once it has started.
void BlockTheWorker(WorkerPool& pool, absl::Notification& release) {
  absl::Notification started;
  pool.Submit([&started, &release] {
    started.Notify();
    release.WaitForNotification();
  });
  started.WaitForNotification();
}

TEST(WorkerPoolTest, ContinuationsRunBeforeQueuedIntakeWork) {
  WorkerPool pool(1);
  absl::Notification release;
  BlockTheWorker(pool, release);
  Journal journal;
  absl::Notification all_done;
  pool.Submit([&] { journal.Add("A"); });
  pool.Submit([&] {
    journal.Add("B");
    all_done.Notify();
  });
  pool.SubmitContinuation([&] { journal.Add("C"); });
  release.Notify();
  all_done.WaitForNotification();
  EXPECT_EQ(journal.entries(), (std::vector<std::string>{"C", "A", "B"}));
}

TEST(WorkerPoolTest, QueueDepthCountsWaitingIntakeWorkOnly) {
  WorkerPool pool(1);
  EXPECT_EQ(pool.queue_depth(), 0);
  absl::Notification release;
  BlockTheWorker(pool, release);
  EXPECT_EQ(pool.queue_depth(), 0);  // the running item is not waiting
  absl::Notification second_ran;
  pool.Submit([] {});
  pool.Submit([&] { second_ran.Notify(); });
  EXPECT_EQ(pool.queue_depth(), 2);
  pool.SubmitContinuation([] {});
  EXPECT_EQ(pool.queue_depth(), 2);  // continuations are not new calls
  release.Notify();
  second_ran.WaitForNotification();
  EXPECT_EQ(pool.queue_depth(), 0);
}

TEST(WorkerPoolTest, StopRunsWhatWasQueuedAndDropsLaterSubmissions) {
  WorkerPool pool(1);
  absl::Notification release;
  BlockTheWorker(pool, release);
  Journal journal;
  pool.Submit([&] { journal.Add("A"); });
  pool.Submit([&] { journal.Add("B"); });
  pool.SubmitContinuation([&] { journal.Add("C"); });

  std::thread stopper([&pool] { pool.Stop(); });
  // Stop is under way once an intake submission is dropped (the queue does not grow). Probes
  // accepted before that are queued work like the others and must run too.
  int accepted_probes = 0;
  while (true) {
    const int64_t depth = pool.queue_depth();
    pool.Submit([&] { journal.Add("probe"); });
    if (pool.queue_depth() == depth) break;
    ++accepted_probes;
  }
  // Continuations are still taken while stopping: they finish calls already admitted.
  pool.SubmitContinuation([&] { journal.Add("late continuation"); });
  release.Notify();
  stopper.join();

  std::vector<std::string> expected = {"C", "late continuation", "A", "B"};
  for (int i = 0; i < accepted_probes; ++i) expected.push_back("probe");
  EXPECT_EQ(journal.entries(), expected);
}

TEST(WorkerPoolTest, SeveralWorkersRunEverything) {
  Journal journal;
  {
    WorkerPool pool(4);
    for (int i = 0; i < 100; ++i) pool.Submit([&journal] { journal.Add("x"); });
    pool.Stop();
  }
  EXPECT_EQ(journal.entries().size(), 100u);
}

}  // namespace
}  // namespace itaclip::server
