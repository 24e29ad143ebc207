#include "wagate/engine/lane.hpp"

#include <algorithm>

namespace wagate::engine {
namespace {
// A tenth of a second of burst: smooth pacing that never overshoots Meta's per-second window.
TokenBucket::Settings BucketFor(int64_t mps) {
  double rate = static_cast<double>(std::max<int64_t>(1, mps));
  return {std::max(1.0, rate / 10), rate};
}
}  // namespace

Lane::Lane(std::string outlet_id, int64_t throughput_mps, const core::Clock& clock)
    : outlet_id_(std::move(outlet_id)), mps_(throughput_mps), bucket_(BucketFor(throughput_mps), clock) {}

void Lane::Add(std::string message_id, int64_t due_ms, int64_t now_ms) {
  if (due_ms <= now_ms) {
    ready_.push_back(std::move(message_id));
  } else {
    later_.push(Later{due_ms, std::move(message_id)});
  }
}

void Lane::Promote(int64_t now_ms) {
  while (!later_.empty() && later_.top().due_ms <= now_ms) {
    ready_.push_back(later_.top().message_id);
    later_.pop();
  }
}

std::optional<std::string> Lane::TakeIfAllowed() {
  if (ready_.empty() || !bucket_.TryAcquire()) return std::nullopt;
  std::string id = std::move(ready_.front());
  ready_.pop_front();
  return id;
}

std::optional<int64_t> Lane::NextTimeMs(int64_t now_ms) {
  if (!ready_.empty()) {
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(bucket_.TimeUntilAvailable()).count();
    // Round a sub-millisecond wait up so a lane without a token never spins.
    if (wait == 0 && bucket_.Available() < 1) wait = 1;
    return now_ms + wait;
  }
  if (!later_.empty()) return later_.top().due_ms;
  return std::nullopt;
}

void Lane::SetThroughput(int64_t mps) {
  if (mps == mps_) return;
  mps_ = mps;
  bucket_.Reconfigure(BucketFor(mps));
}

}  // namespace wagate::engine
