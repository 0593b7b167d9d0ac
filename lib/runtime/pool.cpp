// Pool: the shard's FIFO queue, lazy worker threads and the checkout-time-out reaper.
// Lease: a transaction's private FIFO on one worker.
#include "lib/runtime/pool.hpp"

#include <grant/errors.hpp>

#include <cstdlib>

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

std::chrono::microseconds PoolSettings::default_worker_spin() {
  static const std::chrono::microseconds spin = [] {
    const char* env = std::getenv("GRANT_WORKER_SPIN_US");
    if (!env || !*env) return std::chrono::microseconds{0};
    char* end = nullptr;
    long v = std::strtol(env, &end, 10);
    return std::chrono::microseconds{(end && *end == 0 && v >= 0) ? v : 0};
  }();
  return spin;
}

void Pool::push(Queued queued) noexcept {
  std::exception_ptr refused;
  {
    std::lock_guard lock(mutex_);
    if (stopping_) {
      refused = std::make_exception_ptr(Error("grant: shard \"" + settings_.shard + "\" is shutting down"));
    } else {
      try {
        auto deadline = queued.enqueued + settings_.checkout_timeout;
        queue_.push_back(std::move(queued));
        queued_.store(queue_.size(), std::memory_order_release);
        if (!reaper_.joinable()) reaper_ = std::thread([this] { reaper_main(); });
        // The reaper sleeps until the front job's deadline, or checkout_timeout when the
        // queue is empty; a job queued now has a later deadline than either, unless the
        // reaper is between rounds. Waking it on every job cost two futex calls per job.
        if (deadline < reaper_until_) {
          reaper_until_ = deadline;
          reaper_cv_.notify_one();
        }
        wake_one_locked();
        // Idle workers (spinning or already woken) count as idle until they take a job, so
        // this starts a thread only when the queue outgrows the idle ones.
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
  if (refused) fail(instruments_, settings_.shard, queued, refused);
}

void Pool::wake_one_locked() {
  // Idle workers that are not parked (spinning, or woken and not yet running) will look at
  // the queue by themselves; wake a parked one only for the jobs they cannot cover.
  std::size_t awake = idle_ - parked_.size();
  if (parked_.empty() || queue_.size() <= awake) return;
  Parked* p = parked_.back();  // the most recently parked: its thread and connection are hot
  parked_.pop_back();
  p->woken = true;
  // Under the mutex: the worker (and its Parked) cannot finish while we hold it.
  p->cv.notify_one();
}

bool Pool::spin_for_job() const noexcept {
  auto until = Clock::now() + settings_.worker_spin;
  for (unsigned n = 1;; ++n) {
    if (queued_.load(std::memory_order_acquire) != 0) return true;
    // Yield rather than pause: when the CPUs are oversubscribed, the thread that will
    // queue the next job (or the database server) may be waiting for this CPU; a pause
    // loop would hold it for the whole window (measured: lookups slower than without
    // polling at load average 8 on 2 vCPUs). On an idle CPU yield returns at once.
    std::this_thread::yield();
    if ((n & 7) == 0 && Clock::now() >= until) return false;
  }
}

void Pool::worker_main(Worker& worker) {
  worker.bind_thread();
  Parked parked;
  std::unique_lock lock(mutex_);
  for (;;) {
    if (queue_.empty() && !stopping_) {
      ++idle_;
      // The next job of a caller that awaits each statement usually comes a few
      // microseconds after this one's result: polling for it avoids a futex sleep and wake
      // on both sides. Bounded, and counted as idle so push() does not wake another worker.
      if (settings_.worker_spin.count() > 0) {
        lock.unlock();
        spin_for_job();
        lock.lock();
      }
      if (queue_.empty() && !stopping_) {
        parked.woken = false;
        parked_.push_back(&parked);
        parked.cv.wait(lock, [&] { return parked.woken || stopping_; });
        if (!parked.woken) std::erase(parked_, &parked);
      }
      --idle_;
    }
    if (queue_.empty()) {
      if (stopping_) break;  // stopping and drained
      continue;              // another worker took it (or the reaper failed it)
    }
    Queued queued = std::move(queue_.front());
    queue_.pop_front();
    queued_.store(queue_.size(), std::memory_order_release);
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
    auto now = Clock::now();
    if (queue_.empty()) {
      if (stopping_) return;
      // Any job queued from now on has a deadline after this; push() wakes us otherwise.
      reaper_until_ = now + settings_.checkout_timeout;
      reaper_cv_.wait_until(lock, reaper_until_);
      continue;
    }
    auto deadline = queue_.front().enqueued + settings_.checkout_timeout;
    if (now < deadline) {
      reaper_until_ = deadline;
      reaper_cv_.wait_until(lock, deadline);
      continue;
    }
    std::vector<Queued> expired;
    while (!queue_.empty() && queue_.front().enqueued + settings_.checkout_timeout <= now) {
      expired.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    queued_.store(queue_.size(), std::memory_order_release);
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
    for (Parked* p : parked_) p->cv.notify_one();  // they see stopping_ and drain the queue
  }
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
