// JSON of the /_sandbox/faults and /_sandbox/config control endpoints: read, and patch field by field.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "wagate/sandbox/fault_injector.hpp"

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
};

nlohmann::json FaultsToJson(const FaultSettings& faults, uint64_t seed);
// Applies the fields present in `patch` (others keep their value). Returns the problem, naming the
// field, or empty on success; `faults` is left untouched on failure.
std::string PatchFaults(const nlohmann::json& patch, FaultSettings* faults);

// The app secret is shown masked: it is still a secret, even a sandbox one.
nlohmann::json ConfigToJson(const LiveConfig& config);
std::string PatchConfig(const nlohmann::json& patch, LiveConfig* config);

}  // namespace wagate::sandbox
