// The /_sandbox control routes of TemplateEndpoints: number→WABA links, seeding templates in any status,
// and changing a template's status (which sends its webhook). Errors use wagate's own shape.
#include <set>

#include "wagate/core/json/object_reader.hpp"
#include "wagate/http/responses.hpp"
#include "wagate/sandbox/graph/graph_request.hpp"
#include "wagate/sandbox/templates/template_endpoints.hpp"

namespace wagate::sandbox {
namespace {

using nlohmann::json;

const std::set<std::string>& TemplateStatuses() {
  static const std::set<std::string> statuses = {"APPROVED", "PENDING",       "REJECTED",         "PAUSED",
                                                 "DISABLED", "IN_APPEAL",     "PENDING_DELETION", "DELETED",
                                                 "ARCHIVED", "LIMIT_EXCEEDED"};
  return statuses;
}

http::Response BadField(const std::string& message) { return http::ErrorResponse(400, "invalid_field", message); }

json ControlJson(const TemplateRecord& t) {
  json out = json::parse(TemplateJson(t).dump());
  out["waba_id"] = t.waba_id;
  return out;
}

}  // namespace

void TemplateEndpoints::HandleLinkNumber(http::Request& request, http::Responder respond) {
  auto parsed = core::ParseJsonObject(request.body);
  if (!parsed.ok()) return respond(http::ErrorResponse(parsed.error()));
  core::FieldErrors errors;
  core::ObjectReader fields(*parsed, "", errors);
  auto phone_number_id = fields.String("phone_number_id", true, 20, 1);
  auto waba_id = fields.String("waba_id", false, 20, 0);  // null or "" unlinks
  if (!fields.ok()) return respond(http::ErrorResponse(fields.error()));
  if (!parsed->contains("waba_id"))
    return respond(BadField("field 'waba_id' is required (a WABA id, or null to unlink)"));
  if (!AllDigits(*phone_number_id)) return respond(BadField("field 'phone_number_id' must be digits"));
  std::string waba = waba_id.value_or("");
  if (!waba.empty() && !AllDigits(waba)) return respond(BadField("field 'waba_id' must be digits"));
  store_.LinkNumber(*phone_number_id, waba);
  std::optional<std::string> now = store_.WabaOf(*phone_number_id);
  respond(http::JsonResponse(200, json{{"phone_number_id", *phone_number_id},
                                       {"waba_id", now ? json(*now) : json(nullptr)},
                                       {"linked", !waba.empty()}}));
}

void TemplateEndpoints::HandleListNumbers(http::Request&, http::Responder respond) {
  json numbers = json::array();
  for (const auto& [phone, waba] : store_.Links()) numbers.push_back({{"phone_number_id", phone}, {"waba_id", waba}});
  std::string fallback = store_.default_waba();
  respond(http::JsonResponse(200, json{{"default_waba_id", fallback.empty() ? json(nullptr) : json(fallback)},
                                       {"numbers", std::move(numbers)}}));
}

// {waba_id, name, language, category, status, parameter_format, components}: a template in any status,
// without review and without a webhook. Only the structure the send checks need is enforced.
void TemplateEndpoints::HandleSeed(http::Request& request, http::Responder respond) {
  auto parsed = core::ParseJsonObject(request.body);
  if (!parsed.ok()) return respond(http::ErrorResponse(parsed.error()));
  core::FieldErrors errors;
  core::ObjectReader fields(*parsed, "", errors);
  auto waba_id = fields.String("waba_id", true, 20, 1);
  auto name = fields.String("name", true, 512, 1);
  auto language = fields.String("language", true, 16, 1);
  auto category = fields.String("category", false, 32, 0);
  auto status = fields.String("status", false, 32, 0);
  auto parameter_format = fields.String("parameter_format", false, 16, 0);
  if (!fields.ok()) return respond(http::ErrorResponse(fields.error()));
  if (!AllDigits(*waba_id)) return respond(BadField("field 'waba_id' must be digits"));
  std::string cat = category.value_or("UTILITY");
  for (char& c : cat) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (cat != "MARKETING" && cat != "UTILITY" && cat != "AUTHENTICATION") {
    return respond(BadField("field 'category' must be MARKETING, UTILITY or AUTHENTICATION"));
  }
  std::string state = status.value_or("APPROVED");
  if (!TemplateStatuses().count(state)) return respond(BadField("field 'status' is not a template status: " + state));
  auto format = ParseParameterFormat(parameter_format.value_or("positional"));
  if (!format) return respond(BadField("field 'parameter_format' must be positional or named"));
  if (!parsed->contains("components")) return respond(BadField("field 'components' is required"));
  auto components = ParseTemplateComponents((*parsed)["components"], *format, cat, /*strict=*/false);
  if (!components.ok()) return respond(BadField("field 'components': " + components.error().message));
  auto added = store_.Add(NewTemplateRecord(*waba_id, *name, *language, cat, state, std::move(*components)));
  if (!added.ok()) return respond(http::ErrorResponse(added.error()));
  respond(http::JsonResponse(200, json{{"id", added->id}}));
}

void TemplateEndpoints::HandleControlList(http::Request& request, http::Responder respond) {
  Settle();
  json templates = json::array();
  for (const TemplateRecord& t : store_.All(request.Query("waba_id"))) templates.push_back(ControlJson(t));
  respond(http::JsonResponse(200, json{{"count", templates.size()}, {"templates", std::move(templates)}}));
}

// {"status", "reason"}: `reason` defaults to "NONE"; null sends a null reason (as for deletions).
void TemplateEndpoints::HandleSetStatus(http::Request& request, http::Responder respond) {
  auto parsed = core::ParseJsonObject(request.body);
  if (!parsed.ok()) return respond(http::ErrorResponse(parsed.error()));
  core::FieldErrors errors;
  core::ObjectReader fields(*parsed, "", errors);
  auto status = fields.String("status", true, 32, 1);
  auto reason = fields.String("reason", false, 64, 0);
  if (!fields.ok()) return respond(http::ErrorResponse(fields.error()));
  if (!TemplateStatuses().count(*status))
    return respond(BadField("field 'status' is not a template status: " + *status));
  Settle();  // a review that came due lands first, so this change is the last word
  std::optional<std::string> webhook_reason = "NONE";
  if (parsed->contains("reason")) webhook_reason = reason;
  auto transition = store_.SetStatus(request.params["id"], *status, webhook_reason);
  if (!transition) return respond(http::ErrorResponse(core::Error::NotFound("template " + request.params["id"])));
  Notify(*transition);
  respond(http::JsonResponse(200, ControlJson(transition->record)));
}

}  // namespace wagate::sandbox
