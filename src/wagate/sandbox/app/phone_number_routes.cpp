// Phone numbers and WABAs as Graph objects (cloud-api.md §7): GET /{phone_number_id} with `fields`,
// GET /{waba_id}/phone_numbers (paged), GET /{waba_id}. A number is known to Graph once it is linked
// (POST /_sandbox/numbers) or has sent a message; what it reports follows the sandbox's state: its
// throughput level from `mps`, its messaging limit from the tier in force for it.
#include <algorithm>

#include "wagate/sandbox/app/sandbox_app.hpp"
#include "wagate/sandbox/graph/base64.hpp"
#include "wagate/sandbox/graph/graph_request.hpp"

namespace wagate::sandbox {
namespace {

using nlohmann::ordered_json;

constexpr size_t kDefaultPageSize = 25;
constexpr size_t kMaxPageSize = 100;

// Every field the sandbox reports, in Meta's order; the defaults are what Graph answers without `fields`.
const std::vector<std::string> kPhoneNumberFields = {"id",
                                                     "display_phone_number",
                                                     "verified_name",
                                                     "quality_rating",
                                                     "code_verification_status",
                                                     "name_status",
                                                     "platform_type",
                                                     "throughput",
                                                     "status",
                                                     "account_mode",
                                                     "whatsapp_business_manager_messaging_limit",
                                                     "messaging_limit_tier",
                                                     "is_official_business_account"};
const std::vector<std::string> kNumberDefaults = {"verified_name", "code_verification_status", "display_phone_number",
                                                  "quality_rating", "id"};
const std::vector<std::string> kListDefaults = {"verified_name",
                                                "code_verification_status",
                                                "display_phone_number",
                                                "quality_rating",
                                                "platform_type",
                                                "throughput",
                                                "id"};

// "15550001234" → "+1 555-000-1234", as Graph formats display numbers (webhooks carry the digits).
std::string Formatted(const std::string& digits) {
  if (digits.size() != 11 || digits[0] != '1') return "+" + digits;
  return "+1 " + digits.substr(1, 3) + "-" + digits.substr(4, 3) + "-" + digits.substr(7);
}

// The messaging limit as Meta names it: 0 (unlimited) → TIER_UNLIMITED, 2000 → TIER_2K; a limit with
// no name of Meta's (a test's tier of 3) → TIER_NOT_SET.
std::string TierName(int64_t limit) {
  for (const std::string& name : MessagingTierNames()) {
    if (LimitOfTier(name) == limit) return name;
  }
  return "TIER_NOT_SET";
}

// `fields=a,b` of the request, else `defaults`; 100 naming a field Graph does not have on this node.
core::Result<std::vector<std::string>> RequestedFields(const http::Request& request,
                                                       const std::vector<std::string>& defaults) {
  std::optional<std::string> list = request.Query("fields");
  if (!list) return defaults;
  std::vector<std::string> fields;
  std::string_view rest = *list;
  while (!rest.empty()) {
    std::string field(rest.substr(0, rest.find(',')));
    field.erase(0, field.find_first_not_of(' '));
    field.erase(field.find_last_not_of(' ') + 1);
    if (!field.empty()) {
      if (std::find(kPhoneNumberFields.begin(), kPhoneNumberFields.end(), field) == kPhoneNumberFields.end()) {
        return core::Error(
            core::ErrorKind::kInvalidInput, "invalid_field",
            "Tried accessing nonexisting field (" + field + ") on node type (WhatsAppBusinessPhoneNumber)");
      }
      if (std::find(fields.begin(), fields.end(), field) == fields.end()) fields.push_back(field);
    }
    if (rest.find(',') == std::string_view::npos) break;
    rest.remove_prefix(rest.find(',') + 1);
  }
  if (std::find(fields.begin(), fields.end(), "id") == fields.end()) fields.push_back("id");  // Graph adds it
  return fields;
}

}  // namespace

ordered_json SandboxApp::PhoneNumberJson(const std::string& id, const std::vector<std::string>& fields) const {
  LiveConfig cfg = config();
  std::string tier = TierName(tier_.LimitFor(id));
  ordered_json number = ordered_json::object();
  for (const std::string& field : fields) {
    if (field == "id") number["id"] = id;
    if (field == "display_phone_number") number[field] = Formatted(DisplayNumberFor(id));
    if (field == "verified_name") number[field] = "wagate sandbox";
    if (field == "quality_rating") number[field] = "GREEN";
    if (field == "code_verification_status") number[field] = "VERIFIED";
    if (field == "name_status") number[field] = "APPROVED";
    if (field == "platform_type") number[field] = "CLOUD_API";
    // Meta's levels: STANDARD is 80 mps, HIGH 1,000; a sandbox without a limit reports HIGH.
    if (field == "throughput") number[field] = {{"level", cfg.mps > 0 && cfg.mps <= 80 ? "STANDARD" : "HIGH"}};
    if (field == "status") number[field] = "CONNECTED";
    if (field == "account_mode") number[field] = "LIVE";
    if (field == "whatsapp_business_manager_messaging_limit" || field == "messaging_limit_tier") number[field] = tier;
    if (field == "is_official_business_account") number[field] = false;
  }
  return number;
}

std::optional<http::Response> SandboxApp::DescribePhoneNumber(const http::Request& request, const std::string& id) {
  if (!template_store_.KnowsNumber(id)) return std::nullopt;
  auto fields = RequestedFields(request, kNumberDefaults);
  if (!fields.ok()) return GraphErrorResponse(GraphError::Of(100, fields.error().message));
  return GraphJson(200, PhoneNumberJson(id, *fields));
}

std::optional<http::Response> SandboxApp::DescribeWaba(const std::string& id) {
  if (!template_store_.KnowsWaba(id)) return std::nullopt;
  if (!management_.TryAcquire(id)) return GraphErrorResponse(WabaRateLimitError(management_.limit()));
  return GraphJson(200, ordered_json{{"id", id},
                                     {"name", "wagate sandbox WABA"},
                                     {"timezone_id", "1"},
                                     {"message_template_namespace", "sandbox_" + id},
                                     {"currency", "USD"}});
}

// Paged like Graph's lists: `limit` (default 25, at most 100), cursors `after` / `before` over the ids.
void SandboxApp::HandleListPhoneNumbers(http::Request& request, http::Responder respond) {
  if (auto e = CheckGraphAccess(request.params["version"], BearerOf(request), access_token_)) {
    return respond(GraphErrorResponse(*e));
  }
  const std::string& waba_id = request.params["waba_id"];
  if (!AllDigits(waba_id)) {  // any digits are a WABA, as for templates: an unknown one has no numbers
    return respond(GraphErrorResponse(UnknownObjectError(waba_id, request.method)));
  }
  if (!management_.TryAcquire(waba_id)) return respond(GraphErrorResponse(WabaRateLimitError(management_.limit())));
  auto fields = RequestedFields(request, kListDefaults);
  if (!fields.ok()) return respond(GraphErrorResponse(GraphError::Of(100, fields.error().message)));
  size_t limit = kDefaultPageSize;
  if (auto text = request.Query("limit")) {
    if (!AllDigits(*text, 6) || std::stoul(*text) == 0) {
      return respond(GraphErrorResponse(GraphError::Of(100, "Param limit must be a positive integer.")));
    }
    limit = std::min<size_t>(std::stoul(*text), kMaxPageSize);
  }
  std::vector<std::string> numbers = template_store_.NumbersOf(waba_id);
  auto first = numbers.begin();
  auto last = numbers.end();
  for (const char* name : {"after", "before"}) {
    std::optional<std::string> cursor = request.Query(name);
    if (!cursor) continue;
    std::optional<std::string> id = Base64Decode(*cursor);
    if (!id || !AllDigits(*id)) {
      return respond(
          GraphErrorResponse(GraphError::Of(100, "Param " + std::string(name) + " is not a valid paging cursor.")));
    }
    if (std::string_view(name) == "after") first = std::upper_bound(first, last, *id);
    if (std::string_view(name) == "before") last = std::lower_bound(first, last, *id);
  }
  bool backwards = request.Query("before") && !request.Query("after");
  size_t take = std::min(limit, static_cast<size_t>(last - first));
  auto begin = backwards ? last - static_cast<std::ptrdiff_t>(take) : first;
  auto end = begin + static_cast<std::ptrdiff_t>(take);
  ordered_json data = ordered_json::array();
  for (auto it = begin; it != end; ++it) data.push_back(PhoneNumberJson(*it, *fields));
  ordered_json body = {{"data", std::move(data)}};
  if (take > 0) {
    std::string before = Base64Encode(*begin, /*pad=*/false);
    std::string after = Base64Encode(*(end - 1), /*pad=*/false);
    ordered_json paging = {{"cursors", {{"before", before}, {"after", after}}}};
    if (end != numbers.end()) paging["next"] = GraphPageUrl(request, "after", after);
    if (begin != numbers.begin()) paging["previous"] = GraphPageUrl(request, "before", before);
    body["paging"] = std::move(paging);
  }
  respond(GraphJson(200, body));
}

}  // namespace wagate::sandbox
