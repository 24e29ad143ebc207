// The messaging limit ("tier", cloud-api.md §3.3): unique customers a business number reaches outside
// an open service window in a rolling 24 h.
#pragma once

#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "wagate/core/clock.hpp"

namespace wagate::sandbox {

// Thread-safe. Counted per phone number id (Meta counts per business portfolio since Oct 2025; every
// sandbox number sits in one WABA, but per number keeps tests of several numbers independent).
// A customer counts once, from the first message that reached them, for kPeriodMs; after that the
// next message counts again. Memory is at most `limit` customers per number (refused sends are not
// remembered), and nothing while the limit is 0 (unlimited).
// Every number has the default limit (the `tier` setting) until it is given its own, as Meta moves one
// number to a new tier (a phone_number_quality_update); it then keeps its own whatever the default does.
class MessagingTier final {
 public:
  static constexpr int64_t kPeriodMs = 24LL * 3600 * 1000;

  MessagingTier(const core::Clock& clock, int64_t limit);

  // A business-initiated message to `customer` (digits) outside a service window: true when the
  // customer is already counted in the rolling period or there is room to count them (they are then
  // counted); false when the limit is reached (nothing counted).
  bool TryReach(std::string_view phone_number_id, std::string_view customer);
  // The default limit. 0 = unlimited, and forgets the counts of the numbers that follow the default;
  // another value keeps the counts of the current period.
  void SetLimit(int64_t limit);
  int64_t limit() const;
  // The number's own limit, with the same rules (0 = unlimited and forgets its counts).
  void SetNumberLimit(std::string_view phone_number_id, int64_t limit);
  // The limit in force for the number: its own, else the default.
  int64_t LimitFor(std::string_view phone_number_id) const;
  // Customers counted in the current period for that number.
  size_t reached(std::string_view phone_number_id);

 private:
  struct Number {
    std::unordered_map<std::string, int64_t> counted_at_ms;  // customer → when counted
    std::deque<std::pair<int64_t, std::string>> order;       // same, oldest first, to expire
    std::optional<int64_t> own_limit;                        // set by SetNumberLimit
  };
  void Expire(Number& number, int64_t now);                                                  // requires mu_
  int64_t LimitOf(const Number& number) const { return number.own_limit.value_or(limit_); }  // requires mu_

  const core::Clock& clock_;
  mutable std::mutex mu_;
  int64_t limit_;
  std::unordered_map<std::string, Number> numbers_;
};

// Meta's tier names (cloud-api.md §7, `current_limit` of a phone_number_quality_update), TIER_NOT_SET
// and the legacy TIER_1K included.
const std::vector<std::string>& MessagingTierNames();
// A tier name as a MessagingTier limit: "TIER_2K" → 2000, "TIER_UNLIMITED" → 0 (unlimited); nullopt for
// TIER_NOT_SET (no limit announced) and for names Meta does not use.
std::optional<int64_t> LimitOfTier(std::string_view name);

}  // namespace wagate::sandbox
