#include "wagate/sandbox/app/sandbox_settings.hpp"

#include <charconv>
#include <functional>
#include <map>

#include "wagate/core/log.hpp"
#include "wagate/sandbox/app/control_json.hpp"

namespace wagate::sandbox {
namespace {

using core::Error;

bool ParseInt(const std::string& text, int64_t min, int64_t max, int64_t* out) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < min || v > max) return false;
  *out = v;
  return true;
}

bool ParseRate(const std::string& text, double* out) {
  try {
    size_t used = 0;
    double v = std::stod(text, &used);
    if (used != text.size() || !(v >= 0.0 && v <= 1.0)) return false;
    *out = v;
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

// "HOST:PORT", "[::1]:PORT"; port 0 = any free port.
bool ParseListen(const std::string& text, std::string* host, uint16_t* port) {
  size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  std::string h = text.substr(0, colon);
  if (h.size() > 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  int64_t p = 0;
  if (!ParseInt(text.substr(colon + 1), 0, 65535, &p)) return false;
  *host = h;
  *port = static_cast<uint16_t>(p);
  return true;
}

struct Flag {
  bool takes_value;
  // Returns the rule broken ("must be …") or empty on success.
  std::function<std::string(const std::string&, SandboxSettings&)> apply;
};

Flag IntFlag(int64_t SandboxSettings::*field, int64_t min, int64_t max) {
  return {true, [=](const std::string& v, SandboxSettings& s) -> std::string {
            if (!ParseInt(v, min, max, &(s.*field))) {
              return "must be an integer between " + std::to_string(min) + " and " + std::to_string(max);
            }
            return {};
          }};
}

Flag RateFlag(double FaultSettings::*field) {
  return {true, [=](const std::string& v, SandboxSettings& s) -> std::string {
            return ParseRate(v, &(s.faults.*field)) ? std::string() : "must be a number between 0 and 1";
          }};
}

Flag StringFlag(std::string SandboxSettings::*field, bool allow_empty) {
  return {true, [=](const std::string& v, SandboxSettings& s) -> std::string {
            if (v.empty() && !allow_empty) return "must not be empty";
            s.*field = v;
            return {};
          }};
}

// One declarative table: every flag, its parser and its bounds.
const std::map<std::string, Flag>& Flags() {
  static const std::map<std::string, Flag> flags = {
      {"--listen",
       {true,
        [](const std::string& v, SandboxSettings& s) -> std::string {
          return ParseListen(v, &s.listen_host, &s.listen_port) ? std::string() : "must be HOST:PORT";
        }}},
      {"--ready-file", StringFlag(&SandboxSettings::ready_file, false)},
      {"--webhook-url",
       {true,
        [](const std::string& v, SandboxSettings& s) -> std::string {
          if (!v.empty() && v.rfind("http://", 0) != 0 && v.rfind("https://", 0) != 0) {
            return "must start with http:// or https://";
          }
          s.webhook_url = v;
          return {};
        }}},
      {"--app-secret", StringFlag(&SandboxSettings::app_secret, false)},
      {"--verify-token",
       {true,
        [](const std::string& v, SandboxSettings& s) -> std::string {
          if (v.size() > kMaxVerifyTokenLength) return "must be at most 512 characters";
          s.verify_token = v;
          return {};
        }}},
      {"--access-token", StringFlag(&SandboxSettings::access_token, true)},
      {"--mps", IntFlag(&SandboxSettings::mps, 0, 1'000'000)},
      {"--pair-burst", IntFlag(&SandboxSettings::pair_burst, 0, 1'000'000)},
      {"--pair-interval-ms", IntFlag(&SandboxSettings::pair_interval_ms, 1, 86'400'000)},
      {"--enforce-window",
       {false,
        [](const std::string&, SandboxSettings& s) -> std::string {
          s.enforce_window = true;
          return {};
        }}},
      {"--window-hours", IntFlag(&SandboxSettings::window_hours, 1, 8760)},
      {"--tier", IntFlag(&SandboxSettings::tier, 0, 1'000'000'000)},
      {"--delay-sent-ms", IntFlag(&SandboxSettings::delay_sent_ms, 0, 86'400'000)},
      {"--delay-delivered-ms", IntFlag(&SandboxSettings::delay_delivered_ms, 0, 86'400'000)},
      {"--delay-read-ms", IntFlag(&SandboxSettings::delay_read_ms, 0, 86'400'000)},
      {"--fail-rate", RateFlag(&FaultSettings::fail_rate)},
      {"--timeout-rate", RateFlag(&FaultSettings::timeout_rate)},
      {"--throttle-rate", RateFlag(&FaultSettings::throttle_rate)},
      {"--error-rate", RateFlag(&FaultSettings::error_rate)},
      {"--duplicate-rate", RateFlag(&FaultSettings::duplicate_rate)},
      {"--error-code",
       {true,
        [](const std::string& v, SandboxSettings& s) -> std::string {
          int64_t code = 0;
          if (!ParseInt(v, 0, 10'000'000, &code)) return "must be a Graph error code (an integer)";
          s.faults.error_code = static_cast<int>(code);
          return {};
        }}},
      {"--reorder",
       {false,
        [](const std::string&, SandboxSettings& s) -> std::string {
          s.faults.reorder = true;
          return {};
        }}},
      {"--seed",
       {true,
        [](const std::string& v, SandboxSettings& s) -> std::string {
          uint64_t seed = 0;
          auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), seed);
          if (ec != std::errc() || end != v.data() + v.size()) return "must be a non-negative integer";
          s.seed = seed;
          return {};
        }}},
      {"--webhook-horizon-s", IntFlag(&SandboxSettings::webhook_horizon_s, 1, 30LL * 86'400)},
      {"--timeout-ms", IntFlag(&SandboxSettings::timeout_ms, 0, 3'600'000)},
      {"--template-review",
       {true,
        [](const std::string& v, SandboxSettings& s) -> std::string {
          if (!IsTemplateReviewMode(v)) return "must be manual, approve or reject";
          s.template_review = v;
          return {};
        }}},
      {"--template-review-ms", IntFlag(&SandboxSettings::template_review_ms, 0, 86'400'000)},
      {"--media-url-ttl-ms", IntFlag(&SandboxSettings::media_url_ttl_ms, 1, 7LL * 86'400'000)},
      {"--management-calls-per-hour", IntFlag(&SandboxSettings::management_calls_per_hour, 0, 1'000'000)},
      {"--default-waba-id",
       {true,
        [](const std::string& v, SandboxSettings& s) -> std::string {
          if (!IsWabaIdOrEmpty(v)) return "must be digits, or empty for none";
          s.default_waba_id = v;
          return {};
        }}},
      {"--webhook-batch", IntFlag(&SandboxSettings::webhook_batch, 1, 1000)},
      {"--webhook-threads",
       {true,
        [](const std::string& v, SandboxSettings& s) -> std::string {
          int64_t n = 0;
          if (!ParseInt(v, 1, 64, &n)) return "must be an integer between 1 and 64";
          s.webhook_threads = static_cast<int>(n);
          return {};
        }}},
      {"--http-threads",
       {true,
        [](const std::string& v, SandboxSettings& s) -> std::string {
          int64_t n = 0;
          if (!ParseInt(v, 1, 64, &n)) return "must be an integer between 1 and 64";
          s.http_threads = static_cast<int>(n);
          return {};
        }}},
      {"--log-level",
       {true,
        [](const std::string& v, SandboxSettings& s) -> std::string {
          core::LogLevel ignored;
          if (!core::ParseLogLevel(v, &ignored)) return "must be debug, info, warn or error";
          s.log_level = v;
          return {};
        }}},
      {"--help",
       {false,
        [](const std::string&, SandboxSettings& s) -> std::string {
          s.show_help = true;
          return {};
        }}},
  };
  return flags;
}

}  // namespace

core::Result<SandboxSettings> ParseSandboxFlags(const std::vector<std::string>& args) {
  SandboxSettings settings;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string name = args[i];
    std::optional<std::string> value;
    if (size_t eq = name.find('='); name.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    if (name == "-h") name = "--help";
    auto flag = Flags().find(name);
    if (flag == Flags().end()) return Error::Invalid("unknown_flag", "unknown flag '" + name + "' (see --help)");
    if (flag->second.takes_value && !value) {
      if (i + 1 >= args.size()) return Error::Invalid("invalid_flag", "flag " + name + " needs a value");
      value = args[++i];
    }
    if (!flag->second.takes_value && value) {
      return Error::Invalid("invalid_flag", "flag " + name + " takes no value");
    }
    std::string problem = flag->second.apply(value.value_or(""), settings);
    if (!problem.empty()) {
      return Error::Invalid("invalid_flag", "flag " + name + " " + problem + " (got '" + value.value_or("") + "')");
    }
  }
  std::string problem = settings.faults.Validate();
  if (!problem.empty()) return Error::Invalid("invalid_flag", "fault flags: " + problem);
  return settings;
}

const char* SandboxUsage() {
  return R"(usage: wagate sandbox [flags]
A local simulator of Meta's WhatsApp Cloud API (docs/sandbox.md).

  --listen HOST:PORT          where to listen (default 127.0.0.1:9090; port 0 = any free port)
  --ready-file PATH           written with HOST:PORT once listening
  --webhook-url URL           where status and inbound webhooks are POSTed (none when empty)
  --app-secret SECRET         HMAC key of X-Hub-Signature-256 (default sandbox-app-secret)
  --verify-token TOKEN        verify the webhook URL with Meta's GET handshake before any webhook (default: none)
  --access-token TOKEN        only this bearer token is accepted (default: any non-empty one)
  --mps N                     messages per second per phone number (default 80; 0 = no limit)
  --pair-burst N              pair rate limit (131056): burst per number and recipient (default 45; 0 = off)
  --pair-interval-ms N        one more message per pair every N ms (default 6000)
  --enforce-window            free-form sends outside the customer service window fail (131047)
  --window-hours N            length of the service window (default 24)
  --tier N                    unique customers per number per rolling 24 h outside a window (default 0 = unlimited)
  --delay-sent-ms N           status webhook delays after acceptance (defaults 100, 300, 600)
  --delay-delivered-ms N
  --delay-read-ms N
  --fail-rate F               fraction answered HTTP 500 / Graph 131000
  --timeout-rate F            fraction held --timeout-ms, then HTTP 503 / Graph 2
  --timeout-ms N              how long a timed-out request hangs (default 30000)
  --throttle-rate F           fraction answered Graph 130429
  --error-code C --error-rate F   fraction answered with Graph error C
  --duplicate-rate F          fraction of status webhooks delivered twice
  --reorder                   deliver read before delivered
  --seed N                    seed of the fault dice (default random)
  --template-review MODE      manual (templates stay PENDING), approve or reject (default manual)
  --template-review-ms N      delay before an automatic review and its webhook (default 0)
  --media-url-ttl-ms N        how long media URLs work (default 300000, Meta's 5 minutes)
  --management-calls-per-hour N  template and phone-number calls per WABA per hour (default 5000,
                              Meta's for an active WABA; 0 = no limit); beyond it 80007
  --default-waba-id ID        WABA of numbers not linked with /_sandbox/numbers (default 100000000000001;
                              "" = none: their template sends get 132001)
  --webhook-horizon-s N       how long undelivered webhooks are retried (default 3600)
  --webhook-batch N           up to N due events per webhook POST (default 1)
  --webhook-threads N         concurrent webhook connections (default 4)
  --http-threads N            HTTP handler threads (default 4)
  --log-level LEVEL           debug, info, warn or error (default info)
)";
}

}  // namespace wagate::sandbox
