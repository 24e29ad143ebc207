// Pre-send hooks: an application's HTTP endpoint asked, before a message is accepted, whether to
// allow it, deny it (with a reason) or send a changed message instead. Per outlet, or per tenant for
// its outlets without their own. Called asynchronously (no thread waits on it), signed like the event
// webhooks (Standard Webhooks), with a timeout; when the hook is down its failure policy decides.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "wagate/core/clock.hpp"
#include "wagate/core/result.hpp"
#include "wagate/events/http_poster.hpp"
#include "wagate/events/target_guard.hpp"
#include "wagate/metrics/registry.hpp"
#include "wagate/security/secret_box.hpp"
#include "wagate/store/event_store.hpp"

namespace wagate::events {

struct HookInput {
  std::string url;
  std::optional<std::string> outlet_id;
  std::optional<std::string> secret;
  std::optional<int64_t> timeout_ms;
  std::optional<std::string> failure_policy;
};

struct HookWithSecret {
  store::PresendHookRecord hook;
  std::string secret;  // in clear: answered once, at creation
};

struct HookVerdict {
  enum class Kind { kAllow, kDeny, kModify, kUnavailable };
  Kind kind = Kind::kAllow;
  std::string reason;        // kDeny: the hook's; kUnavailable: what went wrong
  nlohmann::json message;    // kModify: the send body to validate and send instead
  bool fail_closed = false;  // kUnavailable: the hook's policy
};

// Thread-safe.
class PresendHooks final {
 public:
  PresendHooks(store::EventStore& store, const security::SecretBox& box, Poster& poster, const core::Clock& clock,
               TargetPolicy targets, metrics::Registry* metrics);

  void Load();  // every hook from the store, at start

  core::Result<HookWithSecret> Create(const std::string& tenant_id, const HookInput& input);
  std::vector<store::PresendHookRecord> List(const std::optional<std::string>& tenant_id) const;
  core::Status Delete(const std::optional<std::string>& tenant_id, const std::string& id);

  // Whether a send from this outlet goes through a hook (a lock and a map lookup: cheap when none).
  bool Applies(const std::string& tenant_id, const std::string& outlet_id) const;
  // Asks the hook of (tenant, outlet); `done` runs once, on the poster's thread (or at once, allowing,
  // when no hook applies).
  void Check(const std::string& tenant_id, const std::string& outlet_id, const nlohmann::json& message,
             std::function<void(HookVerdict)> done) const;

  static constexpr int64_t kMaxTimeoutMs = 10000;

 private:
  struct Loaded {
    store::PresendHookRecord record;
    std::string key;  // the signing key, raw
  };
  void Put(const store::PresendHookRecord& h);
  std::shared_ptr<const Loaded> Find(const std::string& tenant_id, const std::string& outlet_id) const;

  store::EventStore& store_;
  const security::SecretBox& box_;
  Poster& poster_;
  const core::Clock& clock_;
  TargetPolicy targets_;
  mutable std::mutex mu_;
  // (tenant, outlet or "" for the tenant's default) → hook
  std::map<std::pair<std::string, std::string>, std::shared_ptr<const Loaded>> hooks_;
  metrics::Counter* allowed_ = nullptr;
  metrics::Counter* denied_ = nullptr;
  metrics::Counter* modified_ = nullptr;
  metrics::Counter* unavailable_ = nullptr;
};

// A hook's answer as a verdict (exposed for tests): 2xx with {"action":"allow"|"deny"|"modify", …};
// anything else is unavailable.
HookVerdict ParseVerdict(const PostResult& r);

}  // namespace wagate::events
