// The CPU workers: decoding, preparing crops, building text embeddings, finishing and encoding.
// Two queues: new calls wait in FIFO order in the intake queue (its length is the "queue depth"),
// while the continuations of calls already under way (their device work is done) go first, so a
// request that has used the device finishes before new ones start.
#ifndef ITACLIP_SERVER_SCHEDULING_WORKER_POOL_H_
#define ITACLIP_SERVER_SCHEDULING_WORKER_POOL_H_

#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace itaclip::server {

class WorkerPool {
 public:
  using Work = std::function<void()>;

  explicit WorkerPool(int workers);
  ~WorkerPool();  // Stop()

  void Submit(Work work);              // a new call, behind the others
  void SubmitContinuation(Work work);  // the next stage of a call under way, served first

  // Calls waiting in the intake queue (not yet on a worker).
  int64_t queue_depth() const;

  // Runs everything already queued, then joins the workers. Later submissions are dropped.
  void Stop();

 private:
  void RunWorker();

  mutable absl::Mutex mu_;
  std::deque<Work> intake_ ABSL_GUARDED_BY(mu_);
  std::deque<Work> continuations_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace itaclip::server

#endif  // ITACLIP_SERVER_SCHEDULING_WORKER_POOL_H_
