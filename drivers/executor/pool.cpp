// Pool: the shard's FIFO queue, lazy worker threads and the checkout-time-out reaper.
// Lease: a transaction's private FIFO on one worker.
#include "drivers/executor/pool.hpp"

#include <grant/errors.hpp>

namespace grant::detail {

// ---- Lease -------------------------------------------------------------------------------

bool Lease::push(Item item) {
  {
    std::lock_guard lock(mutex_);
    if (released_) return false;
    items_.push_back(Queued{std::move(item), Clock::now()});
  }
  cv_.notify_one();
  return true;
}

void Lease::release() {
  {
    std::lock_guard lock(mutex_);
    released_ = true;
  }
  cv_.notify_one();
}

void Lease::serve(Worker& worker) {
  std::unique_lock lock(mutex_);
  for (;;) {
    cv_.wait(lock, [&] { return !items_.empty() || released_; });
    if (items_.empty()) return;
    Queued queued = std::move(items_.front());
    items_.pop_front();
    lock.unlock();
    auto wait = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - queued.enqueued);
    queued.item(worker, wait);  // items catch their own exceptions
    queued = {};
    lock.lock();
  }
}

// ---- Pool --------------------------------------------------------------------------------

Pool::Pool(PoolSettings settings, Instruments& instruments)
    : settings_(std::move(settings)), instruments_(instruments) {}

Pool::~Pool() { stop(); }

void Pool::enqueue(Job job) noexcept { push(Queued{std::move(job), nullptr, Clock::now()}); }

void Pool::enqueue_lease(std::shared_ptr<Lease> lease) noexcept { push(Queued{Job{}, std::move(lease), Clock::now()}); }

void Pool::fail(Instruments& instruments, const std::string& shard, Queued& queued, std::exception_ptr error) {
  if (queued.lease) {
    queued.lease->acquired().reject(std::move(error));
  } else {
    instruments.fail_job(shard, queued.job, std::move(error));
  }
}

void Pool::push(Queued queued) noexcept {
  std::exception_ptr refused;
  {
    std::lock_guard lock(mutex_);
    if (stopping_) {
      refused = std::make_exception_ptr(Error("grant: shard \"" + settings_.shard + "\" is shutting down"));
    } else {
      try {
        queue_.push_back(std::move(queued));
        if (!reaper_.joinable()) reaper_ = std::thread([this] { reaper_main(); });
        if (queue_.size() == 1) reaper_cv_.notify_one();
        // Idle workers already woken count as idle until they take a job, so this starts a
        // thread only when the queue outgrows the idle ones.
        if (idle_ < queue_.size() && workers_.size() < settings_.size) {
          auto worker = std::make_unique<Worker>(*this);
          Worker& w = *worker;
          threads_.emplace_back([this, &w] { worker_main(w); });
          workers_.push_back(std::move(worker));
        }
      } catch (const std::exception& e) {
        // Out of threads or memory: the job (if queued) still times out through the reaper.
        instruments_.log().error("[{}] cannot start a worker: {}", settings_.shard, e.what());
      }
    }
  }
  work_cv_.notify_one();
  if (refused) fail(instruments_, settings_.shard, queued, refused);
}

void Pool::worker_main(Worker& worker) {
  worker.bind_thread();
  std::unique_lock lock(mutex_);
  for (;;) {
    ++idle_;
    work_cv_.wait(lock, [&] { return !queue_.empty() || stopping_; });
    --idle_;
    if (queue_.empty()) break;  // stopping and drained
    Queued queued = std::move(queue_.front());
    queue_.pop_front();
    if (stopping_ && queue_.empty()) reaper_cv_.notify_one();  // let shutdown proceed now
    ++busy_;
    lock.unlock();
    auto wait = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - queued.enqueued);
    if (queued.lease) {
      worker.serve(*queued.lease, wait);
    } else {
      worker.execute(queued.job, wait);
    }
    worker.after_job();
    queued = {};  // the job's captures die outside the lock
    lock.lock();
    --busy_;
  }
  lock.unlock();
  worker.close();
}

void Pool::reaper_main() {
  std::unique_lock lock(mutex_);
  for (;;) {
    if (queue_.empty()) {
      if (stopping_) return;
      reaper_cv_.wait(lock);
      continue;
    }
    auto now = Clock::now();
    auto deadline = queue_.front().enqueued + settings_.checkout_timeout;
    if (now < deadline) {
      reaper_cv_.wait_until(lock, deadline);
      continue;
    }
    std::vector<Queued> expired;
    while (!queue_.empty() && queue_.front().enqueued + settings_.checkout_timeout <= now) {
      expired.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    lock.unlock();
    for (auto& queued : expired) {
      auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(now - queued.enqueued).count();
      fail(instruments_, settings_.shard, queued,
           std::make_exception_ptr(PoolTimeout(settings_.shard, waited, settings_.size)));
    }
    expired.clear();
    lock.lock();
  }
}

void Pool::stop() {
  std::vector<std::thread> threads;
  std::thread reaper;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    threads.swap(threads_);
    reaper.swap(reaper_);
  }
  work_cv_.notify_all();
  reaper_cv_.notify_all();
  for (auto& t : threads) t.join();
  if (reaper.joinable()) reaper.join();
  std::lock_guard lock(mutex_);
  workers_.clear();
}

PoolStats Pool::stats() const {
  std::lock_guard lock(mutex_);
  PoolStats s;
  s.size = settings_.size;
  s.open = open_;
  s.busy = busy_;
  s.queued = queue_.size();
  s.max_open_seen = max_open_;
  return s;
}

void Pool::note_open() {
  std::lock_guard lock(mutex_);
  ++open_;
  if (open_ > max_open_) max_open_ = open_;
}

void Pool::note_close() {
  std::lock_guard lock(mutex_);
  if (open_ > 0) --open_;
}

}  // namespace grant::detail
