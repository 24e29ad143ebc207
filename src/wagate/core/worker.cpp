#include "wagate/core/worker.hpp"

#include "wagate/core/log.hpp"
#include "wagate/core/thread_name.hpp"

namespace wagate::core {

Worker::Worker(std::string name, const Clock& clock, std::chrono::milliseconds period, Step step)
    : name_(std::move(name)), clock_(clock), period_(period), step_(std::move(step)) {}

Worker::~Worker() { Stop(); }

void Worker::Start() {
  thread_ = std::thread([this] { Run(); });
}

void Worker::Wake() {
  {
    std::lock_guard lock(mu_);
    woken_ = true;
  }
  cv_.notify_one();
}

void Worker::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Worker::Run() {
  NameThisThread(name_);
  std::unique_lock lock(mu_);
  while (!stopping_) {
    TimePoint deadline = period_.count() > 0 ? clock_.Now() + period_ : TimePoint::max();
    clock_.WaitUntil(cv_, lock, deadline, [this] { return stopping_ || woken_; });
    if (stopping_) break;
    woken_ = false;
    lock.unlock();
    try {
      step_();
    } catch (const std::exception& e) {
      // A failed step is logged and the loop goes on: background work never takes the process down.
      LogError("worker", "background step failed", {{"worker", name_}, {"error", e.what()}});
    }
    lock.lock();
  }
}

}  // namespace wagate::core
