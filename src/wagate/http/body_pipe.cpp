#include "wagate/http/body_pipe.hpp"

#include <utility>

namespace wagate::http {

BodyPipe::BodyPipe(std::function<void()> wake) : wake_(std::move(wake)) {}

bool BodyPipe::Offer(std::string* piece) {
  {
    std::lock_guard lock(mu_);
    if (finished_ || error_) {
      piece->clear();
      return true;
    }
    if (slot_full_) {
      wake_wanted_ = true;
      return false;
    }
    // The slot keeps the buffer of the piece taken last: swapping hands it back to be filled again.
    slot_.swap(*piece);
    slot_full_ = true;
  }
  piece->clear();
  cv_.notify_one();
  return true;
}

void BodyPipe::Finish() {
  {
    std::lock_guard lock(mu_);
    if (error_) return;
    finished_ = true;
  }
  cv_.notify_one();
}

void BodyPipe::Fail(core::Error error) {
  {
    std::lock_guard lock(mu_);
    if (finished_ || error_) return;
    error_ = std::move(error);
    slot_full_ = false;
    slot_.clear();
    slot_.shrink_to_fit();
  }
  cv_.notify_one();
}

size_t BodyPipe::WaitingBytes() const {
  std::lock_guard lock(mu_);
  return slot_full_ ? slot_.size() : 0;
}

core::Result<bool> BodyPipe::Read(std::string* piece) {
  bool wake = false;
  {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return slot_full_ || finished_ || error_; });
    if (error_) return *error_;
    if (!slot_full_) return false;  // finished and nothing waits
    piece->swap(slot_);
    slot_full_ = false;
    wake = std::exchange(wake_wanted_, false);
  }
  if (wake && wake_) wake_();
  return true;
}

}  // namespace wagate::http
