#include "wagate/content/template_parameters.hpp"

#include <cstdint>
#include <limits>

#include "wagate/content/families.hpp"
#include "wagate/content/text_rules.hpp"

namespace wagate::content::detail {
namespace {

constexpr size_t kMaxHeaderTextChars = 60;  // §3.7 "header text param ≤60"
// §3.7: body parameters ≤1024 when other components exist and 32768 for a body-only send (legacy
// reference, unconfirmed today), so 1024 everywhere.
constexpr size_t kMaxBodyTextChars = 1024;
constexpr size_t kMaxCouponCodeChars = 20;  // 15 until Dec 2025, 20 since
// Meta documents no limit for quick-reply payloads, parameter names or flow tokens: our bound.
constexpr size_t kMaxPayloadChars = 1024;
constexpr size_t kMaxParameterNameChars = 512;

std::vector<std::string> AllowedTypes(const ParameterPlace& place) {
  switch (place.kind) {
    case ComponentKind::kHeader:
      return {"text", "image", "video", "document", "location"};
    case ComponentKind::kBody:
      return {"text", "currency", "date_time"};
    case ComponentKind::kButton:
      break;
  }
  if (place.sub_type == "quick_reply") return {"payload"};
  if (place.sub_type == "url") return {"text"};  // the dynamic suffix of the button's URL
  if (place.sub_type == "copy_code") return {"coupon_code"};
  return {"action"};  // flow, catalog
}

size_t MaxTextChars(const ParameterPlace& place) {
  if (place.kind == ComponentKind::kHeader) return kMaxHeaderTextChars;
  if (place.kind == ComponentKind::kBody) return kMaxBodyTextChars;
  return kMaxUrlChars;
}

std::optional<Json> Currency(const ObjectReader& parameter) {
  ObjectReader currency = parameter.Child("currency", true);
  currency.AllowOnly({"fallback_value", "code", "amount_1000"});
  Json graph = Json::object();
  currency.CopyString(graph, "fallback_value", true, kMaxFreeTextChars);
  if (auto code = currency.String("code", true, 3)) {
    if (!IsCurrencyCode(*code)) currency.Fail("code", "must be an ISO 4217 currency code (three uppercase letters)");
    graph["code"] = *code;
  }
  auto amount =
      currency.Int("amount_1000", true, std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max());
  if (amount) graph["amount_1000"] = *amount;
  if (!currency.ok()) return std::nullopt;
  return graph;
}

std::optional<Json> DateTime(const ObjectReader& parameter) {
  // Cloud API renders only fallback_value (§1.7); the older day/month/year members are not taken.
  ObjectReader date_time = parameter.Child("date_time", true);
  date_time.AllowOnly({"fallback_value"});
  Json graph = Json::object();
  date_time.CopyString(graph, "fallback_value", true, kMaxFreeTextChars);
  if (!date_time.ok()) return std::nullopt;
  return graph;
}

std::optional<Json> ButtonAction(const ObjectReader& parameter, const std::string& sub_type) {
  ObjectReader action = parameter.Child("action", true);
  Json graph = Json::object();
  if (sub_type == "flow") {
    action.AllowOnly({"flow_token", "flow_action_data"});
    action.CopyString(graph, "flow_token", false, kMaxPayloadChars);
    // Data handed to the flow's first screen: any object, passed on as given.
    if (ObjectReader data = action.Child("flow_action_data", false); data.present()) {
      graph["flow_action_data"] = *action.Get("flow_action_data", false);
    }
  } else {
    action.AllowOnly({"thumbnail_product_retailer_id"});
    action.CopyString(graph, "thumbnail_product_retailer_id", false, kMaxFreeTextChars);
  }
  if (!action.ok()) return std::nullopt;
  return graph;
}

}  // namespace

std::optional<Json> ParseTemplateParameter(const Json& value, const std::string& path, const ParameterPlace& place,
                                           FieldErrors& errors, std::vector<std::string>& media_ids,
                                           std::optional<std::string>& parameter_name) {
  ObjectReader parameter(value, path, errors);
  auto type = parameter.OneOf("type", true, AllowedTypes(place), /*fold_case=*/true);
  if (!type) return std::nullopt;
  // Named parameters stand for {{name}} placeholders, which only header and body text have.
  bool nameable =
      place.kind != ComponentKind::kButton && (*type == "text" || *type == "currency" || *type == "date_time");
  std::vector<std::string_view> allowed = {"type", *type};
  if (nameable) allowed.push_back("parameter_name");
  parameter.AllowOnly(allowed);

  Json graph = {{"type", *type}};
  if (auto name = parameter.String("parameter_name", false, kMaxParameterNameChars)) {
    if (!IsParameterName(*name)) {
      parameter.Fail("parameter_name", "must contain only lowercase letters a-z, digits and '_'");
    }
    parameter_name = *name;
    graph["parameter_name"] = *name;
  }
  if (*type == "text") {
    if (auto text = parameter.String("text", true, MaxTextChars(place))) {
      if (!IsTemplateParameterText(*text)) {
        parameter.Fail("text", "must not contain new lines, tabs or more than 4 consecutive spaces");
      }
      graph["text"] = *text;
    }
  } else if (*type == "image" || *type == "video" || *type == "document") {
    if (const Json* media = parameter.Get(*type, true)) {
      MediaRules rules;  // a template header has no caption
      rules.filename = *type == "document";
      if (auto m = ParseMediaObject(*media, parameter.PathOf(*type), rules, errors, media_ids)) graph[*type] = *m;
    }
  } else if (*type == "location") {
    if (const Json* location = parameter.Get("location", true)) {
      if (auto l = ParseLocationObject(*location, parameter.PathOf("location"), errors)) graph["location"] = *l;
    }
  } else if (*type == "currency") {
    if (auto c = Currency(parameter)) graph["currency"] = *c;
  } else if (*type == "date_time") {
    if (auto d = DateTime(parameter)) graph["date_time"] = *d;
  } else if (*type == "payload") {
    parameter.CopyString(graph, "payload", true, kMaxPayloadChars);
  } else if (*type == "coupon_code") {
    parameter.CopyString(graph, "coupon_code", true, kMaxCouponCodeChars);
  } else if (*type == "action") {
    if (auto a = ButtonAction(parameter, place.sub_type)) graph["action"] = *a;
  }
  if (!errors.ok()) return std::nullopt;
  return graph;
}

}  // namespace wagate::content::detail
