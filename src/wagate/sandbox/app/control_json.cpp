#include "wagate/sandbox/app/control_json.hpp"

#include <algorithm>
#include <functional>
#include <map>

#include "wagate/security/crypto.hpp"

namespace wagate::sandbox {
namespace {

using nlohmann::json;

template <typename T>
using FieldSetter = std::function<std::string(const json& value, T& target)>;

template <typename T>
std::string ApplyPatch(const json& patch, const std::map<std::string, FieldSetter<T>>& setters, T* target) {
  if (!patch.is_object()) return "the body must be a JSON object";
  T updated = *target;
  for (const auto& [name, value] : patch.items()) {
    auto setter = setters.find(name);
    if (setter == setters.end()) return "unknown field '" + name + "'";
    std::string problem = setter->second(value, updated);
    if (!problem.empty()) return "field '" + name + "' " + problem;
  }
  *target = std::move(updated);
  return {};
}

FieldSetter<FaultSettings> Rate(double FaultSettings::*field) {
  return [=](const json& v, FaultSettings& f) -> std::string {
    if (!v.is_number() || !(v.get<double>() >= 0.0 && v.get<double>() <= 1.0))
      return "must be a number between 0 and 1";
    f.*field = v.get<double>();
    return {};
  };
}

FieldSetter<LiveConfig> Integer(int64_t LiveConfig::*field, int64_t min, int64_t max) {
  return [=](const json& v, LiveConfig& c) -> std::string {
    if (!v.is_number_integer() || (v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(max)) ||
        v.get<int64_t>() < min || v.get<int64_t>() > max) {
      return "must be an integer between " + std::to_string(min) + " and " + std::to_string(max);
    }
    c.*field = v.get<int64_t>();
    return {};
  };
}

}  // namespace

bool IsTemplateReviewMode(std::string_view mode) { return mode == "manual" || mode == "approve" || mode == "reject"; }

bool IsWabaIdOrEmpty(std::string_view id) {
  return id.size() <= 20 && std::all_of(id.begin(), id.end(), [](char c) { return c >= '0' && c <= '9'; });
}

json FaultsToJson(const FaultSettings& f, uint64_t seed) {
  return json{{"fail_rate", f.fail_rate},
              {"timeout_rate", f.timeout_rate},
              {"throttle_rate", f.throttle_rate},
              {"error_code", f.error_code ? json(*f.error_code) : json(nullptr)},
              {"error_rate", f.error_rate},
              {"duplicate_rate", f.duplicate_rate},
              {"reorder", f.reorder},
              {"seed", seed}};
}

std::string PatchFaults(const json& patch, FaultSettings* faults) {
  static const std::map<std::string, FieldSetter<FaultSettings>> setters = {
      {"fail_rate", Rate(&FaultSettings::fail_rate)},
      {"timeout_rate", Rate(&FaultSettings::timeout_rate)},
      {"throttle_rate", Rate(&FaultSettings::throttle_rate)},
      {"error_rate", Rate(&FaultSettings::error_rate)},
      {"duplicate_rate", Rate(&FaultSettings::duplicate_rate)},
      {"error_code",
       [](const json& v, FaultSettings& f) -> std::string {
         if (v.is_null()) {
           f.error_code.reset();
           return {};
         }
         if (!v.is_number_integer() || v.get<int64_t>() < 0 || v.get<int64_t>() > 10'000'000) {
           return "must be a Graph error code (an integer) or null";
         }
         f.error_code = static_cast<int>(v.get<int64_t>());
         return {};
       }},
      {"reorder",
       [](const json& v, FaultSettings& f) -> std::string {
         if (!v.is_boolean()) return "must be true or false";
         f.reorder = v.get<bool>();
         return {};
       }},
      {"seed", [](const json&, FaultSettings&) -> std::string { return "is fixed at start-up (--seed)"; }},
  };
  FaultSettings updated = *faults;
  std::string problem = ApplyPatch(patch, setters, &updated);
  if (problem.empty()) problem = updated.Validate();
  if (problem.empty()) *faults = updated;
  return problem;
}

json ConfigToJson(const LiveConfig& c) {
  return json{{"webhook_url", c.webhook_url},
              {"app_secret", security::MaskSecret(c.app_secret)},
              {"mps", c.mps},
              {"pair_burst", c.pair_burst},
              {"pair_interval_ms", c.pair_interval_ms},
              {"enforce_window", c.enforce_window},
              {"window_hours", c.window_hours},
              {"tier", c.tier},
              {"delay_sent_ms", c.delay_sent_ms},
              {"delay_delivered_ms", c.delay_delivered_ms},
              {"delay_read_ms", c.delay_read_ms},
              {"webhook_horizon_s", c.webhook_horizon_s},
              {"timeout_ms", c.timeout_ms},
              {"template_review", c.template_review},
              {"template_review_ms", c.template_review_ms},
              {"media_url_ttl_ms", c.media_url_ttl_ms},
              {"management_calls_per_hour", c.management_calls_per_hour},
              {"default_waba_id", c.default_waba_id},
              {"verify_token", c.verify_token}};
}

std::string PatchConfig(const json& patch, LiveConfig* config) {
  static const std::map<std::string, FieldSetter<LiveConfig>> setters = {
      {"webhook_url",
       [](const json& v, LiveConfig& c) -> std::string {
         if (!v.is_string()) return "must be a string";
         const std::string& url = v.get_ref<const std::string&>();
         if (!url.empty() && url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
           return "must start with http:// or https:// (or be empty to send no webhooks)";
         }
         c.webhook_url = url;
         return {};
       }},
      {"app_secret",
       [](const json& v, LiveConfig& c) -> std::string {
         if (!v.is_string() || v.get_ref<const std::string&>().empty()) return "must be a non-empty string";
         c.app_secret = v.get<std::string>();
         return {};
       }},
      {"verify_token",
       [](const json& v, LiveConfig& c) -> std::string {
         if (!v.is_string() || v.get_ref<const std::string&>().size() > kMaxVerifyTokenLength) {
           return "must be a string of at most 512 characters (\"\" = no verification handshake)";
         }
         c.verify_token = v.get<std::string>();
         return {};
       }},
      {"mps", Integer(&LiveConfig::mps, 0, 1'000'000)},
      {"pair_burst", Integer(&LiveConfig::pair_burst, 0, 1'000'000)},
      {"pair_interval_ms", Integer(&LiveConfig::pair_interval_ms, 1, 86'400'000)},
      {"enforce_window",
       [](const json& v, LiveConfig& c) -> std::string {
         if (!v.is_boolean()) return "must be true or false";
         c.enforce_window = v.get<bool>();
         return {};
       }},
      {"window_hours", Integer(&LiveConfig::window_hours, 1, 8760)},
      {"tier", Integer(&LiveConfig::tier, 0, 1'000'000'000)},
      {"delay_sent_ms", Integer(&LiveConfig::delay_sent_ms, 0, 86'400'000)},
      {"delay_delivered_ms", Integer(&LiveConfig::delay_delivered_ms, 0, 86'400'000)},
      {"delay_read_ms", Integer(&LiveConfig::delay_read_ms, 0, 86'400'000)},
      {"webhook_horizon_s", Integer(&LiveConfig::webhook_horizon_s, 1, 30LL * 86'400)},
      {"timeout_ms", Integer(&LiveConfig::timeout_ms, 0, 3'600'000)},
      {"template_review",
       [](const json& v, LiveConfig& c) -> std::string {
         if (!v.is_string() || !IsTemplateReviewMode(v.get_ref<const std::string&>())) {
           return "must be \"manual\", \"approve\" or \"reject\"";
         }
         c.template_review = v.get<std::string>();
         return {};
       }},
      {"template_review_ms", Integer(&LiveConfig::template_review_ms, 0, 86'400'000)},
      {"media_url_ttl_ms", Integer(&LiveConfig::media_url_ttl_ms, 1, 7LL * 86'400'000)},
      {"management_calls_per_hour", Integer(&LiveConfig::management_calls_per_hour, 0, 1'000'000)},
      {"default_waba_id",
       [](const json& v, LiveConfig& c) -> std::string {
         if (!v.is_string() || !IsWabaIdOrEmpty(v.get_ref<const std::string&>())) {
           return "must be a WABA id (digits) or \"\" (unlinked numbers then have no WABA)";
         }
         c.default_waba_id = v.get<std::string>();
         return {};
       }},
  };
  return ApplyPatch(patch, setters, config);
}

}  // namespace wagate::sandbox
