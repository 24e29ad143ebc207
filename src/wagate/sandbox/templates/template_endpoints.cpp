#include "wagate/sandbox/templates/template_endpoints.hpp"

#include <algorithm>
#include <cctype>

#include "wagate/core/json_parse.hpp"
#include "wagate/core/log.hpp"
#include "wagate/sandbox/graph/base64.hpp"
#include "wagate/sandbox/graph/graph_request.hpp"
#include "wagate/sandbox/templates/template_matcher.hpp"

namespace wagate::sandbox {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

constexpr std::string_view kLog = "sandbox.templates";
constexpr size_t kDefaultPageSize = 25;
constexpr size_t kMaxPageSize = 100;
constexpr size_t kMaxNameChars = 512;

http::Response GraphFailure(const GraphError& error) { return GraphErrorResponse(error); }
GraphError BadParam(std::string details) { return GraphError::Of(100, std::move(details)); }

bool IsTemplateName(std::string_view name) {
  return !name.empty() && name.size() <= kMaxNameChars && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

// "en", "en_US", "pt_BR", "zh_HK", "es_LA", "fil": Meta's language codes have this shape.
bool IsLanguageCode(std::string_view code) {
  size_t sep = code.find('_');
  std::string_view lang = code.substr(0, sep);
  bool lang_ok = lang.size() >= 2 && lang.size() <= 3 &&
                 std::all_of(lang.begin(), lang.end(), [](char c) { return c >= 'a' && c <= 'z'; });
  if (sep == std::string_view::npos) return lang_ok;
  std::string_view region = code.substr(sep + 1);
  return lang_ok && region.size() >= 2 && region.size() <= 4 &&
         std::all_of(region.begin(), region.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)); });
}

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::string Cursor(uint64_t seq) { return Base64Encode(std::to_string(seq), /*pad=*/false); }

std::optional<uint64_t> ParseCursor(std::string_view cursor) {
  auto decoded = Base64Decode(cursor);
  if (!decoded || decoded->empty() || decoded->size() > 19 ||
      !std::all_of(decoded->begin(), decoded->end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  return std::stoull(*decoded);
}

std::optional<GraphError> ReadQuery(const http::Request& request, TemplateQuery* query) {
  if (auto limit = request.Query("limit")) {
    if (!AllDigits(*limit, 6) || std::stoul(*limit) == 0) {
      return BadParam("Param limit must be a positive integer.");
    }
    query->limit = std::min<size_t>(std::stoul(*limit), kMaxPageSize);  // Graph caps large pages quietly
  }
  for (auto [name, target] : {std::pair{"after", &query->after}, std::pair{"before", &query->before}}) {
    if (auto cursor = request.Query(name)) {
      *target = ParseCursor(*cursor);
      if (!*target) return BadParam("Param " + std::string(name) + " is not a valid paging cursor.");
    }
  }
  query->name = request.Query("name");
  query->language = request.Query("language");
  query->category = request.Query("category");
  if (auto statuses = request.Query("status")) {
    std::string_view rest = *statuses;
    while (!rest.empty()) {
      size_t comma = rest.find(',');
      if (comma != 0) query->statuses.push_back(Upper(std::string(rest.substr(0, comma))));
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  return std::nullopt;
}

}  // namespace

ordered_json TemplateJson(const TemplateRecord& t) {
  return ordered_json{{"id", t.id},
                      {"name", t.name},
                      {"language", t.language},
                      {"status", t.status},
                      {"category", t.category},
                      {"parameter_format", ParameterFormatName(t.spec.format)},
                      {"components", ordered_json::parse(t.components.dump())}};
}

TemplateEndpoints::TemplateEndpoints(TemplateStore& store, WebhookSender& webhooks, DelayedTasks& timers,
                                     RateWindow& management, const core::Clock& clock, std::string access_token,
                                     ConfigFn config)
    : store_(store),
      webhooks_(webhooks),
      timers_(timers),
      management_(management),
      clock_(clock),
      access_token_(std::move(access_token)),
      config_(std::move(config)) {}

void TemplateEndpoints::AddSampleTemplate(TemplateStore& store, const std::string& waba_id) {
  json components = json::array(
      {{{"type", "HEADER"}, {"format", "TEXT"}, {"text", "Hello World"}},
       {{"type", "BODY"},
        {"text",
         "Welcome and congratulations!! This message demonstrates your ability to send a WhatsApp message "
         "notification from the Cloud API, hosted by Meta. Thank you for taking the time to test with us."}},
       {{"type", "FOOTER"}, {"text", "WhatsApp Business Platform sample message"}}});
  auto parsed = ParseTemplateComponents(components, ParameterFormat::kPositional, "UTILITY", true);
  // Refused only when the WABA has it already (seeded before): then it is there, as wanted.
  (void)store.Add(NewTemplateRecord(waba_id, "hello_world", "en_US", "UTILITY", "APPROVED", std::move(*parsed)));
}

void TemplateEndpoints::RegisterRoutes(http::Router& router) {
  auto bind = [this](void (TemplateEndpoints::*handler)(http::Request&, http::Responder)) {
    return [this, handler](http::Request& request, http::Responder respond) {
      (this->*handler)(request, std::move(respond));
    };
  };
  AddGraphRoute(router, "GET", "/{waba_id}/message_templates", bind(&TemplateEndpoints::HandleList));
  AddGraphRoute(router, "POST", "/{waba_id}/message_templates", bind(&TemplateEndpoints::HandleCreate));
  AddGraphRoute(router, "DELETE", "/{waba_id}/message_templates", bind(&TemplateEndpoints::HandleDelete));
  router.Add("GET", "/_sandbox/numbers", bind(&TemplateEndpoints::HandleListNumbers));
  router.Add("POST", "/_sandbox/numbers", bind(&TemplateEndpoints::HandleLinkNumber));
  router.Add("GET", "/_sandbox/templates", bind(&TemplateEndpoints::HandleControlList));
  router.Add("POST", "/_sandbox/templates", bind(&TemplateEndpoints::HandleSeed));
  router.Add("POST", "/_sandbox/templates/{id}/status", bind(&TemplateEndpoints::HandleSetStatus));
}

std::optional<http::Response> TemplateEndpoints::CheckAccess(const http::Request& request) const {
  auto version = request.params.find("version");
  if (auto e = CheckGraphAccess(version->second, BearerOf(request), access_token_)) return GraphFailure(*e);
  const std::string& waba_id = request.params.at("waba_id");
  if (!AllDigits(waba_id)) return GraphFailure(UnknownObjectError(waba_id, request.method));
  if (!management_.TryAcquire(waba_id)) return GraphFailure(WabaRateLimitError(management_.limit()));
  return std::nullopt;
}

void TemplateEndpoints::HandleList(http::Request& request, http::Responder respond) {
  if (auto refused = CheckAccess(request)) return respond(std::move(*refused));
  Settle();
  TemplateQuery query;
  query.waba_id = request.params["waba_id"];
  query.limit = kDefaultPageSize;
  if (auto e = ReadQuery(request, &query)) return respond(GraphFailure(*e));  // `fields` is ignored: all are sent
  TemplatePage page = store_.List(query);
  ordered_json data = ordered_json::array();
  for (const TemplateRecord& t : page.items) data.push_back(TemplateJson(t));
  ordered_json body = {{"data", std::move(data)}};
  if (!page.items.empty()) {
    std::string before = Cursor(page.items.front().seq);
    std::string after = Cursor(page.items.back().seq);
    ordered_json paging = {{"cursors", {{"before", before}, {"after", after}}}};
    if (page.more_after) paging["next"] = GraphPageUrl(request, "after", after);
    if (page.more_before) paging["previous"] = GraphPageUrl(request, "before", before);
    body["paging"] = std::move(paging);
  }
  respond(GraphJson(200, body));
}

void TemplateEndpoints::HandleCreate(http::Request& request, http::Responder respond) {
  if (auto refused = CheckAccess(request)) return respond(std::move(*refused));
  std::optional<json> params = GraphParams(request);  // JSON body, form fields or query string
  if (!params) return respond(GraphFailure(BadParam("The request body must be a JSON object.")));
  const json& body = *params;
  auto string_of = [&](const char* name) -> std::optional<std::string> {
    auto it = body.find(name);
    if (it == body.end() || !it->is_string()) return std::nullopt;
    return it->get<std::string>();
  };
  auto name = string_of("name");
  if (!name || !IsTemplateName(*name)) {
    return respond(
        GraphFailure(BadParam("Param name is required: lowercase letters, digits and underscores, at most "
                              "512 characters.")));
  }
  auto language = string_of("language");
  if (!language || !IsLanguageCode(*language)) {
    return respond(GraphFailure(BadParam("Param language is required and must be a language code such as en_US.")));
  }
  std::string category = Upper(string_of("category").value_or(""));
  if (category != "MARKETING" && category != "UTILITY" && category != "AUTHENTICATION") {
    return respond(GraphFailure(BadParam("Param category must be one of {MARKETING, UTILITY, AUTHENTICATION}.")));
  }
  std::optional<ParameterFormat> format = ParameterFormat::kPositional;
  if (body.contains("parameter_format")) format = ParseParameterFormat(string_of("parameter_format").value_or(""));
  if (!format) return respond(GraphFailure(BadParam("Param parameter_format must be positional or named.")));
  auto components = ParseTemplateComponents(body.value("components", json()), *format, category, /*strict=*/true);
  if (!components.ok()) return respond(GraphFailure(BadParam("Param components: " + components.error().message + ".")));

  auto added = store_.Add(
      NewTemplateRecord(request.params["waba_id"], *name, *language, category, "PENDING", std::move(*components)));
  if (!added.ok()) {
    return respond(GraphFailure(BadParam("Content in this language already exists: template " + *name + " (" +
                                         *language + ") exists in this WhatsApp Business Account.")));
  }
  core::LogInfo(kLog, "template created", {{"id", added->id}, {"name", *name}, {"language", *language}});
  respond(GraphJson(200, ordered_json{{"id", added->id}, {"status", "PENDING"}, {"category", category}}));
  StartReview(*added);
}

void TemplateEndpoints::HandleDelete(http::Request& request, http::Responder respond) {
  if (auto refused = CheckAccess(request)) return respond(std::move(*refused));
  auto name = request.Query("name");
  if (!name || name->empty()) return respond(GraphFailure(BadParam("The parameter name is required.")));
  auto hsm_id = request.Query("hsm_id");
  if (hsm_id && !AllDigits(*hsm_id)) return respond(GraphFailure(BadParam("Param hsm_id must be a template id.")));
  auto deleted = store_.Delete(request.params["waba_id"], *name, hsm_id);
  if (!deleted.ok()) {
    std::string details = deleted.error().kind == core::ErrorKind::kNotFound
                              ? "Message template \"" + *name + "\"" + (hsm_id ? " with id " + *hsm_id : "") +
                                    " was not found in this WhatsApp Business Account."
                              : "Cannot delete: " + deleted.error().message + ".";
    return respond(GraphFailure(BadParam(details)));
  }
  respond(GraphJson(200, ordered_json{{"success", true}}));
}

std::optional<http::Response> TemplateEndpoints::Edit(const http::Request& request, std::string_view id) {
  Settle();
  std::optional<TemplateRecord> current = store_.Get(id);
  if (!current) return std::nullopt;
  std::optional<json> params = GraphParams(request);
  if (!params) return GraphFailure(BadParam("The request body must be a JSON object."));
  std::optional<std::string> category;
  if (auto it = params->find("category"); it != params->end()) {
    category = it->is_string() ? Upper(it->get<std::string>()) : "";
    if (*category != "MARKETING" && *category != "UTILITY" && *category != "AUTHENTICATION") {
      return GraphFailure(BadParam("Param category must be one of {MARKETING, UTILITY, AUTHENTICATION}."));
    }
  }
  auto components_it = params->find("components");
  if (components_it == params->end()) {
    if (!category) return GraphFailure(BadParam("The parameter components is required."));
  }
  json components = components_it != params->end() ? *components_it : current->components;
  auto parsed = ParseTemplateComponents(components, current->spec.format, category.value_or(current->category),
                                        /*strict=*/true);
  if (!parsed.ok()) return GraphFailure(BadParam("Param components: " + parsed.error().message + "."));
  auto edited = store_.Edit(id, category, std::move(*parsed));
  if (!edited.ok()) return GraphFailure(BadParam("Template " + current->name + ": " + edited.error().message + "."));
  core::LogInfo(kLog, "template edited", {{"id", edited->id}, {"name", edited->name}});
  StartReview(*edited);
  return GraphJson(200, ordered_json{{"success", true}});
}

std::optional<ordered_json> TemplateEndpoints::Describe(std::string_view id) {
  Settle();
  auto record = store_.Get(id);
  if (!record) return std::nullopt;
  return TemplateJson(*record);
}

Check TemplateEndpoints::CheckSend(std::string_view phone_number_id, const json& tmpl, std::string* category) {
  Settle();
  std::string name = tmpl["name"].get<std::string>();
  std::string language = tmpl["language"]["code"].get<std::string>();
  std::optional<std::string> waba = store_.WabaOf(phone_number_id);
  std::optional<TemplateRecord> record = waba ? store_.Find(*waba, name, language) : std::nullopt;
  if (!record) return GraphError::Of(132001, "template name (" + name + ") does not exist in " + language);
  if (record->status == "PAUSED") return GraphError::Of(132015, "Template " + name + " is paused (quality is low).");
  if (record->status == "DISABLED") return GraphError::Of(132016, "Template " + name + " is disabled.");
  if (record->status != "APPROVED") {
    return GraphError::Of(
        132001, "template name (" + name + ") in " + language + " is not approved (status " + record->status + ")");
  }
  if (auto e = MatchTemplate(tmpl, record->spec)) return e;
  *category = record->category;
  std::transform(category->begin(), category->end(), category->begin(), [](char c) { return std::tolower(c); });
  return std::nullopt;
}

// The review mode in force at creation decides; `template_review_ms` later it lands (and its webhook goes).
void TemplateEndpoints::StartReview(const TemplateRecord& record) {
  LiveConfig cfg = config_();
  if (cfg.template_review == "manual") return;
  bool approve = cfg.template_review == "approve";
  store_.ScheduleReview(record.id, clock_.NowMs() + cfg.template_review_ms, approve ? "APPROVED" : "REJECTED",
                        approve ? "NONE" : "INVALID_FORMAT");
  if (cfg.template_review_ms == 0) return Settle();
  timers_.RunAfter(std::chrono::milliseconds(cfg.template_review_ms), [this, id = record.id] {
    if (auto transition = store_.CompleteReview(id)) Notify(*transition);
  });
}

void TemplateEndpoints::Settle() {
  for (const TemplateTransition& transition : store_.SettleReviews(clock_.NowMs())) Notify(transition);
}

void TemplateEndpoints::Notify(const TemplateTransition& transition) {
  const TemplateRecord& t = transition.record;
  core::LogInfo(kLog, "template status changed", {{"id", t.id}, {"name", t.name}, {"status", t.status}});
  WebhookEvent event;
  event.kind = WebhookEvent::Kind::kTemplateStatus;
  event.waba_id = t.waba_id;
  event.timestamp_s = clock_.NowMs() / 1000;
  event.template_change = std::make_shared<TemplateStatusChange>(
      TemplateStatusChange{t.id, t.name, t.language, t.category, t.status, transition.reason});
  webhooks_.Schedule(std::move(event), std::chrono::steady_clock::now());
}

}  // namespace wagate::sandbox
