// Tenants' event subscriptions: validation, secrets (generated or supplied, sealed at rest, rotated
// with an overlap during which both sign), and the test ping. Knows nothing of HTTP.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "wagate/core/clock.hpp"
#include "wagate/core/result.hpp"
#include "wagate/events/target_guard.hpp"
#include "wagate/security/secret_box.hpp"
#include "wagate/store/event_store.hpp"

namespace wagate::events {

// What a create or an update names; absent members keep their value (defaults on create).
struct SubscriptionInput {
  std::optional<std::string> url;
  std::optional<std::vector<std::string>> events;
  std::optional<std::map<std::string, std::string>> headers;
  std::optional<std::string> secret;
  std::optional<bool> enabled;
  std::optional<bool> ordered;
  std::optional<std::string> kind;
};

// A subscription with the secret in clear: answered once, at creation and rotation.
struct WithSecret {
  store::SubscriptionRecord subscription;
  std::string secret;
};

// Thread-safe.
class Subscriptions final {
 public:
  Subscriptions(store::EventStore& store, const security::SecretBox& box, const core::Clock& clock,
                TargetPolicy targets)
      : store_(store), box_(box), clock_(clock), targets_(targets) {}

  // Called after every change, so the deliverer sees it at once.
  void OnChange(std::function<void()> listener) { on_change_ = std::move(listener); }

  core::Result<WithSecret> Create(const std::string& tenant_id, const SubscriptionInput& input);
  // tenant_id nullopt: the admin, any tenant's.
  core::Result<store::SubscriptionRecord> Update(const std::optional<std::string>& tenant_id, const std::string& id,
                                                 const SubscriptionInput& input);
  // A new secret; the old one keeps signing for `overlap_s` (0: stops at once).
  core::Result<WithSecret> RotateSecret(const std::optional<std::string>& tenant_id, const std::string& id,
                                        int64_t overlap_s);
  core::Status Delete(const std::optional<std::string>& tenant_id, const std::string& id);
  // Queues a signed `ping` to this subscription only; returns the delivery's id.
  core::Result<int64_t> Ping(const std::optional<std::string>& tenant_id, const std::string& id);

  // The raw keys that sign a delivery now: the current secret, and the previous one while its overlap
  // lasts. Empty if a sealed secret cannot be opened (another master key).
  std::vector<std::string> SigningKeys(const store::SubscriptionRecord& s, int64_t now_ms) const;

  static constexpr size_t kMaxHeaders = 20;
  static constexpr int64_t kMaxOverlapS = 7 * 24 * 3600;

 private:
  core::Status Validate(const store::SubscriptionRecord& s) const;
  core::Status Apply(const SubscriptionInput& input, store::SubscriptionRecord& s) const;
  void Changed() const {
    if (on_change_) on_change_();
  }

  store::EventStore& store_;
  const security::SecretBox& box_;
  const core::Clock& clock_;
  TargetPolicy targets_;
  std::function<void()> on_change_;
};

}  // namespace wagate::events
