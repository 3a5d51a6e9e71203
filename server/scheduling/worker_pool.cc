#include "server/scheduling/worker_pool.h"

#include <utility>

namespace itaclip::server {

WorkerPool::WorkerPool(int workers) {
  threads_.reserve(workers);
  for (int i = 0; i < workers; ++i) threads_.emplace_back([this] { RunWorker(); });
}

WorkerPool::~WorkerPool() { Stop(); }

void WorkerPool::Submit(Work work) {
  absl::MutexLock lock(&mu_);
  if (!stopping_) intake_.push_back(std::move(work));
}

void WorkerPool::SubmitContinuation(Work work) {
  absl::MutexLock lock(&mu_);
  // Continuations are accepted while stopping: they finish calls that were already admitted.
  continuations_.push_back(std::move(work));
}

int64_t WorkerPool::queue_depth() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int64_t>(intake_.size());
}

void WorkerPool::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  for (std::thread& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
  threads_.clear();
}

void WorkerPool::RunWorker() {
  while (true) {
    Work work;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
        return stopping_ || !intake_.empty() || !continuations_.empty();
      };
      mu_.Await(absl::Condition(&ready));
      if (!continuations_.empty()) {
        work = std::move(continuations_.front());
        continuations_.pop_front();
      } else if (!intake_.empty()) {
        work = std::move(intake_.front());
        intake_.pop_front();
      } else {
        return;  // stopping and nothing left
      }
    }
    work();
  }
}

}  // namespace itaclip::server
