// Settings of `wagate sandbox`, from its command-line flags (docs/sandbox.md lists them).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "wagate/core/result.hpp"
#include "wagate/sandbox/graph/fault_injector.hpp"

namespace wagate::sandbox {

struct SandboxSettings {
  std::string listen_host = "127.0.0.1";
  uint16_t listen_port = 9090;
  std::string ready_file;
  std::string webhook_url;
  std::string app_secret = "sandbox-app-secret";
  std::string verify_token;  // non-empty: Meta's GET handshake before any webhook (cloud-api.md §4.1)
  std::string access_token;  // empty: any non-empty bearer token is accepted
  int64_t mps = 80;
  int64_t pair_burst = 45;          // pair rate limit (131056): bucket size; 0 = off
  int64_t pair_interval_ms = 6000;  // one token back every this long
  bool enforce_window = false;      // fail free-form sends outside the service window (131047)
  int64_t window_hours = 24;        // length of the customer service window
  int64_t tier = 0;                 // unique customers per number per rolling 24 h; 0 = unlimited
  int64_t delay_sent_ms = 100;
  int64_t delay_delivered_ms = 300;
  int64_t delay_read_ms = 600;
  FaultSettings faults;
  std::optional<uint64_t> seed;  // random when absent
  int64_t webhook_horizon_s = 3600;
  int64_t timeout_ms = 30'000;
  std::string template_review = "manual";  // manual | approve | reject
  int64_t template_review_ms = 0;
  int64_t media_url_ttl_ms = 300'000;
  int64_t management_calls_per_hour = 5000;  // per WABA (Meta: 5,000/h for an active WABA); 0 = no limit
  std::string default_waba_id = "100000000000001";
  int webhook_threads = 4;
  int64_t webhook_batch = 1;
  int http_threads = 4;
  std::string log_level = "info";
  bool show_help = false;
};

// Parses `--flag VALUE` and `--flag=VALUE`; args exclude the program name and the subcommand.
// Unknown flags and invalid values are errors that name the flag.
core::Result<SandboxSettings> ParseSandboxFlags(const std::vector<std::string>& args);

const char* SandboxUsage();

}  // namespace wagate::sandbox
