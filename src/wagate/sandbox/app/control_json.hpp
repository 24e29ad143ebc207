// JSON of the /_sandbox/faults and /_sandbox/config control endpoints: read, and patch field by field.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "wagate/sandbox/graph/fault_injector.hpp"

namespace wagate::sandbox {

// The settings that may change while the sandbox runs (besides the faults).
struct LiveConfig {
  std::string webhook_url;
  std::string app_secret;
  int64_t mps = 80;
  int64_t pair_burst = 45;
  int64_t pair_interval_ms = 6000;
  bool enforce_window = false;
  int64_t window_hours = 24;
  int64_t tier = 0;
  int64_t delay_sent_ms = 100;
  int64_t delay_delivered_ms = 300;
  int64_t delay_read_ms = 600;
  int64_t webhook_horizon_s = 3600;
  int64_t timeout_ms = 30'000;
  std::string template_review = "manual";           // manual (stays PENDING) | approve | reject
  int64_t template_review_ms = 0;                   // delay before an automatic review lands
  int64_t media_url_ttl_ms = 300'000;               // how long a media URL from GET /{media_id} works (Meta: 5 min)
  int64_t management_calls_per_hour = 5000;         // template and phone-number calls per WABA; beyond → 80007
  std::string default_waba_id = "100000000000001";  // WABA of unlinked numbers; "" = none
  std::string verify_token;                         // of the webhook handshake; "" = no handshake
};

// The longest verify token (flags and /_sandbox/config share it).
inline constexpr size_t kMaxVerifyTokenLength = 512;

// The values of `template_review` and `default_waba_id` (flags and /_sandbox/config share them).
bool IsTemplateReviewMode(std::string_view mode);
bool IsWabaIdOrEmpty(std::string_view id);

nlohmann::json FaultsToJson(const FaultSettings& faults, uint64_t seed);
// Applies the fields present in `patch` (others keep their value). Returns the problem, naming the
// field, or empty on success; `faults` is left untouched on failure.
std::string PatchFaults(const nlohmann::json& patch, FaultSettings* faults);

// The app secret is shown masked: it is still a secret, even a sandbox one. The verify token is shown as
// it is (a test value a test compares), though never logged.
nlohmann::json ConfigToJson(const LiveConfig& config);
std::string PatchConfig(const nlohmann::json& patch, LiveConfig* config);

}  // namespace wagate::sandbox
