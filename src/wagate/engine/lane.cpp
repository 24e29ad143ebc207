#include "wagate/engine/lane.hpp"

#include <algorithm>
#include <cmath>

namespace wagate::engine {
namespace {

// Meta counts messages per number in a sliding second, stamped when they *arrive*; arrivals jitter by
// milliseconds (and a stall on either side bunches them). A bucket of capacity C refilled at R lets
// at most C + R·T through in any T seconds. Requiring C + R·(1 + m) < mps + 1 with a margin m of 0.8%
// keeps every arrival second at or under the limit with up to 8 ms of jitter, while the lane still
// runs at about 99% of the limit (the send window, engine.pacing_margin_ms, caps it at 98%). C of 0.5% of the rate
// absorbs the dispatcher's wake-up latency. (The dispatcher's send window re-spaces what a slow commit bunched; see
// engine/rate/send_window.)
constexpr double kArrivalMargin = 0.008;
TokenBucket::Settings BucketFor(int64_t mps) {
  double limit = static_cast<double>(std::max<int64_t>(1, mps));
  double capacity = std::max(1.0, std::floor(limit / 200));
  double rate = (limit + 1 - capacity) / (1 + kArrivalMargin) - 0.001;
  return {capacity, std::max(0.5, rate)};
}

// How many waiting messages one Take() may move aside before giving the lock back.
constexpr int kMaxScan = 64;

}  // namespace

Lane::Lane(std::string outlet_id, LaneSettings settings, const core::Clock& clock,
           const conversation::ContactWindows& windows)
    : outlet_id_(std::move(outlet_id)),
      settings_(settings),
      windows_(windows),
      bucket_(BucketFor(settings.throughput_mps), clock),
      pair_(settings.pair),
      tier_(settings.messaging_tier) {}

void Lane::Add(QueuedMessage message, int64_t due_ms, int64_t now_ms) {
  if (due_ms <= now_ms) {
    ready_[static_cast<int>(message.priority)].push_back(std::move(message));
  } else {
    later_.push(Later{due_ms, std::move(message)});
  }
}

void Lane::Promote(int64_t now_ms) {
  while (!later_.empty() && later_.top().due_ms <= now_ms) {
    QueuedMessage m = later_.top().message;
    later_.pop();
    ready_[static_cast<int>(m.priority)].push_back(std::move(m));
  }
  // Messages held for a tier slot go back in line, ahead of newer ones, once a slot may be free (a
  // slot expired, the tier was raised) or when it is time to look again (their customer may have
  // written in meanwhile, which needs no slot).
  if (!tier_held_.empty() && (TierSlotFree(now_ms) || now_ms >= tier_recheck_ms_)) {
    for (auto it = tier_held_.rbegin(); it != tier_held_.rend(); ++it) {
      ready_[static_cast<int>(it->priority)].push_front(std::move(*it));
    }
    tier_held_.clear();
    tier_recheck_ms_ = now_ms + kTierRecheckMs;
  }
}

bool Lane::TierSlotFree(int64_t now_ms) {
  return !tier_.limit() || static_cast<int64_t>(tier_.Used(now_ms)) < *tier_.limit();
}

std::optional<Dispatch> Lane::Take(int64_t now_ms, std::vector<std::string>* tier_deferred) {
  if (paused_until_ms_ > now_ms || in_flight_ >= settings_.max_in_flight) return std::nullopt;
  Promote(now_ms);
  int scanned = 0;
  for (auto& queue : ready_) {  // transactional first
    while (!queue.empty() && scanned++ < kMaxScan) {
      QueuedMessage& head = queue.front();
      // Mark-as-read requests go to Meta, not to a customer: no pair rate, no tier, no window.
      bool to_customer = !head.recipient.empty();
      if (int64_t wait = to_customer ? pair_.WaitMs(head.recipient, now_ms) : 0; wait > 0) {
        ++counters_.deferred_pair_rate;
        later_.push(Later{now_ms + wait, std::move(head)});
        queue.pop_front();
        continue;
      }
      bool business_initiated = to_customer && !windows_.IsOpen(outlet_id_, head.recipient, now_ms);
      if (business_initiated && !tier_.Fits(head.recipient, now_ms)) {
        ++counters_.deferred_messaging_tier;
        if (tier_deferred) tier_deferred->push_back(head.id);
        if (tier_held_.empty()) tier_recheck_ms_ = now_ms + kTierRecheckMs;
        tier_held_.push_back(std::move(head));
        queue.pop_front();
        continue;
      }
      if (!bucket_.TryAcquire()) return std::nullopt;  // the head waits for the next token
      if (to_customer) pair_.Consume(head.recipient, now_ms);
      if (business_initiated) tier_.Record(head.recipient, now_ms);
      Dispatch d{std::move(head), business_initiated};
      queue.pop_front();
      ++in_flight_;
      ++counters_.dispatched;
      return d;
    }
  }
  return std::nullopt;
}

std::optional<int64_t> Lane::NextTimeUs(int64_t now_us) {
  if (in_flight_ >= settings_.max_in_flight) return std::nullopt;
  std::optional<int64_t> at;
  if (!ready_[0].empty() || !ready_[1].empty()) {
    // Microseconds: waking a whole millisecond late for every token would cost several percent of
    // the rate at 80 messages/s.
    int64_t wait = bucket_.TimeUntilAvailable().count();
    if (wait == 0 && bucket_.Available() < 1) wait = 50;  // never spin on rounding
    at = now_us + wait;
  } else if (!later_.empty()) {
    at = later_.top().due_ms * 1000;
  }
  if (!tier_held_.empty()) {
    int64_t now_ms = now_us / 1000;
    int64_t held = (TierSlotFree(now_ms) ? now_ms : std::min(tier_.NextSlotMs(now_ms), tier_recheck_ms_)) * 1000;
    at = at ? std::min(*at, held) : held;
  }
  if (at && paused_until_ms_ * 1000 > *at) at = paused_until_ms_ * 1000;
  return at;
}

void Lane::Throttle(int64_t until_ms) {
  ++counters_.throttled;
  paused_until_ms_ = std::max(paused_until_ms_, until_ms);
}

void Lane::PairThrottle(const std::string& recipient, int64_t now_ms, int64_t backoff_ms) {
  ++counters_.pair_throttled;
  pair_.Penalize(recipient, now_ms, backoff_ms);
}

void Lane::Reconfigure(const LaneSettings& s) {
  if (s.throughput_mps != settings_.throughput_mps) bucket_.Reconfigure(BucketFor(s.throughput_mps));
  pair_.Reconfigure(s.pair);
  tier_.Reconfigure(s.messaging_tier);
  settings_ = s;
}

Lane::Snapshot Lane::Snap(int64_t now_ms) {
  return Snapshot{ready_[0].size(),
                  ready_[1].size(),
                  later_.size() + tier_held_.size(),
                  static_cast<size_t>(std::max<int64_t>(0, in_flight_)),
                  paused_until_ms_ > now_ms ? paused_until_ms_ : 0,
                  tier_.Used(now_ms),
                  counters_};
}

}  // namespace wagate::engine
