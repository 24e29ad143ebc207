#include "wagate/sandbox/app/sandbox_app.hpp"

#include <algorithm>

#include "wagate/core/ids.hpp"
#include "wagate/core/json/object_reader.hpp"
#include "wagate/core/json_parse.hpp"
#include "wagate/core/log.hpp"
#include "wagate/http/responses.hpp"
#include "wagate/sandbox/graph/base64.hpp"
#include "wagate/sandbox/graph/graph_ids.hpp"
#include "wagate/sandbox/graph/graph_request.hpp"
#include "wagate/sandbox/media/media_limits.hpp"
#include "wagate/sandbox/messages/send_checks.hpp"

namespace wagate::sandbox {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

constexpr std::string_view kLog = "sandbox";
constexpr int64_t kHourMs = 3600LL * 1000;

// Best effort, for the request log only: the callback data of a body that may be invalid.
std::optional<std::string> CallbackDataOf(std::string_view body) {
  json parsed = core::ParseUntrustedJson(body);
  if (!parsed.is_object()) return std::nullopt;
  auto it = parsed.find("biz_opaque_callback_data");
  if (it == parsed.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

http::Response HouseError(std::string_view code, const std::string& message) {
  return http::ErrorResponse(400, code, message);
}

}  // namespace

SandboxApp::SandboxApp(const SandboxSettings& settings, const core::Clock& clock, uint64_t seed)
    : clock_(clock),
      access_token_(settings.access_token),
      config_{.webhook_url = settings.webhook_url,
              .app_secret = settings.app_secret,
              .mps = settings.mps,
              .pair_burst = settings.pair_burst,
              .pair_interval_ms = settings.pair_interval_ms,
              .enforce_window = settings.enforce_window,
              .window_hours = settings.window_hours,
              .tier = settings.tier,
              .delay_sent_ms = settings.delay_sent_ms,
              .delay_delivered_ms = settings.delay_delivered_ms,
              .delay_read_ms = settings.delay_read_ms,
              .webhook_horizon_s = settings.webhook_horizon_s,
              .timeout_ms = settings.timeout_ms,
              .template_review = settings.template_review,
              .template_review_ms = settings.template_review_ms,
              .media_url_ttl_ms = settings.media_url_ttl_ms,
              .management_calls_per_hour = settings.management_calls_per_hour,
              .default_waba_id = settings.default_waba_id,
              .verify_token = settings.verify_token},
      rate_window_(clock, settings.mps),
      management_(clock, settings.management_calls_per_hour, std::chrono::hours(1)),
      pairs_(clock, settings.pair_burst, settings.pair_interval_ms),
      windows_(clock, settings.window_hours * kHourMs),
      tier_(clock, settings.tier),
      faults_(settings.faults, seed),
      webhooks_(WebhookSenderSettings{.url = settings.webhook_url,
                                      .app_secret = settings.app_secret,
                                      .threads = settings.webhook_threads,
                                      .max_batch = static_cast<size_t>(settings.webhook_batch),
                                      .horizon = std::chrono::seconds(settings.webhook_horizon_s),
                                      .verify_token = settings.verify_token}),
      template_store_(settings.default_waba_id),
      templates_(template_store_, webhooks_, timers_, management_, clock, settings.access_token,
                 [this] { return config(); }),
      media_(media_store_, clock, settings.access_token, [this] { return config(); }) {
  if (!settings.default_waba_id.empty())
    TemplateEndpoints::AddSampleTemplate(template_store_, settings.default_waba_id);
}

SandboxApp::~SandboxApp() { Stop(); }

void SandboxApp::Start() { webhooks_.Start(); }

void SandboxApp::Stop() {
  held_.Stop();
  timers_.Stop();
  webhooks_.Stop();
}

LiveConfig SandboxApp::config() const {
  std::lock_guard lock(config_mu_);
  return config_;
}

void SandboxApp::RegisterRoutes(http::Router& router) {
  auto bind = [this](void (SandboxApp::*handler)(http::Request&, http::Responder)) {
    return [this, handler](http::Request& request, http::Responder respond) {
      (this->*handler)(request, std::move(respond));
    };
  };
  // Literal paths first: the object routes (GET, POST, DELETE /{version}/{object_id}, and /{object_id}
  // unversioned) would match any path of their length, so they come last.
  router.Add("GET", "/_sandbox/messages",
             [this](http::Request&, http::Responder respond) { respond(GraphJson(200, log_.MessagesJson())); });
  router.Add("DELETE", "/_sandbox/messages", [this](http::Request&, http::Responder respond) {
    log_.Clear();
    respond(http::JsonResponse(200, json{{"cleared", true}}));
  });
  router.Add("GET", "/_sandbox/requests",
             [this](http::Request&, http::Responder respond) { respond(GraphJson(200, log_.RequestsJson())); });
  router.Add("GET", "/_sandbox/stats", bind(&SandboxApp::HandleStats));
  // Inbound media may carry its bytes as data_base64.
  router.Add("POST", "/_sandbox/inbound", bind(&SandboxApp::HandleInbound), http::Execution::kWorker,
             kMaxMediaBytes + kMiB);
  router.Add("POST", "/_sandbox/window", bind(&SandboxApp::HandleWindow));
  router.Add("POST", "/_sandbox/numbers/{phone_number_id}/quality", bind(&SandboxApp::HandleQuality));
  router.Add("GET", "/_sandbox/faults", bind(&SandboxApp::HandleGetFaults));
  router.Add("POST", "/_sandbox/faults", bind(&SandboxApp::HandlePostFaults));
  router.Add("GET", "/_sandbox/config", bind(&SandboxApp::HandleGetConfig));
  router.Add("POST", "/_sandbox/config", bind(&SandboxApp::HandlePostConfig));
  AddGraphRoute(router, "POST", "/{phone_number_id}/messages", bind(&SandboxApp::HandleSend));
  AddGraphRoute(router, "GET", "/{waba_id}/phone_numbers", bind(&SandboxApp::HandleListPhoneNumbers));
  templates_.RegisterRoutes(router);
  media_.RegisterRoutes(router);
  AddGraphRoute(router, "GET", "/{object_id}", bind(&SandboxApp::HandleGetObject));
  AddGraphRoute(router, "POST", "/{object_id}", bind(&SandboxApp::HandlePostObject));
  AddGraphRoute(router, "DELETE", "/{object_id}", bind(&SandboxApp::HandleDeleteObject));
  // Whatever no route takes: Graph's errors on Graph's side, wagate's 404/405 on /_sandbox and /_media.
  router.SetFallback([](const http::Request& request, bool path_known) -> std::optional<http::Response> {
    if (IsControlPath(request)) return std::nullopt;
    return GraphErrorResponse(UnroutedGraphError(request, path_known));
  });
}

// --- the Graph send route -------------------------------------------------------------------------

void SandboxApp::HandleSend(http::Request& request, http::Responder respond) {
  const std::string& phone_number_id = request.params["phone_number_id"];
  // Stamped with the arrival the throughput window counts (the kernel's receive time), so the log
  // shows what Meta would have counted even while this process was starved of CPU.
  int64_t arrival_us = request.received_at_us;
  // Graph also reads the message's parameters from the query string or a form body.
  if (HasQueryParams(request) || request.Header("content-type").starts_with("application/x-www-form-urlencoded")) {
    if (std::optional<json> params = GraphParams(request)) request.body = params->dump();
  }
  SendOutcome outcome = Send(request.params["version"], phone_number_id, BearerOf(request), request.body, arrival_us);
  log_.AddRequest(RequestRecord{arrival_us / 1000, arrival_us, phone_number_id, CallbackDataOf(request.body),
                                outcome.http_status, outcome.graph_code, outcome.wamid, outcome.raw_request});
  http::Response response;
  response.status = outcome.http_status;
  response.body = outcome.body.dump(-1, ' ', false, json::error_handler_t::replace);
  if (outcome.graph_code)
    AddOAuthChallenge(response, *outcome.graph_code, outcome.body["error"]["message"].get<std::string>());
  if (outcome.hold.count() > 0) {
    held_.RunAfter(outcome.hold, [respond, response]() { respond(response); });
    return;
  }
  respond(std::move(response));
}

SendOutcome SandboxApp::Reject(const GraphError& error) const {
  SendOutcome outcome;
  outcome.http_status = DescribeGraphCode(error.code).http_status;
  outcome.body = GraphErrorBody(error, NewFbtraceId());
  outcome.graph_code = error.code;
  return outcome;
}

// Order of checks, as Meta applies them: path, token, throughput, then (here) injected faults, then
// the body, then the pair rate limit (it needs the recipient). Only requests that pass the token count
// against the throughput window; only valid messages that pass everything else take a pair token.
SendOutcome SandboxApp::Send(std::string_view version, std::string_view phone_number_id, std::string_view bearer,
                             std::string_view body, int64_t arrival_us) {
  if (arrival_us == 0) arrival_us = clock_.NowUs();
  if (!IsGraphVersion(version)) return Reject(*CheckGraphAccess(version, bearer, access_token_));
  if (!AllDigits(phone_number_id, 20)) return Reject(UnknownObjectError(phone_number_id));
  if (auto e = CheckGraphAccess(version, bearer, access_token_)) return Reject(*e);
  if (!rate_window_.TryAcquire(phone_number_id, arrival_us)) {
    return Reject(GraphError::Of(130429, "Cloud API message throughput has been reached."));
  }

  FaultDecision fault = faults_.RollRequest();
  switch (fault.kind) {
    case FaultDecision::Kind::kNone:
      break;
    case FaultDecision::Kind::kFail:
      return Reject(GraphError::Of(131000, "An unknown error occurred (injected by the sandbox: fail_rate)."));
    case FaultDecision::Kind::kThrottle:
      return Reject(GraphError::Of(130429, "Cloud API message throughput has been reached (injected: throttle_rate)."));
    case FaultDecision::Kind::kError:
      return Reject(GraphError::Of(fault.error_code, "Injected by the sandbox: error_code/error_rate."));
    case FaultDecision::Kind::kTimeout: {
      SendOutcome held = Reject(GraphError::Of(2, "Service temporarily unavailable (injected: timeout_rate)."));
      held.hold = milliseconds(std::max<int64_t>(1, config().timeout_ms));
      return held;
    }
  }

  ValidationResult validated = ValidateSendBody(body, DigitsOf(DisplayNumberFor(phone_number_id)));
  if (auto* error = std::get_if<GraphError>(&validated)) return Reject(*error);
  const ValidSend& valid = std::get<ValidSend>(validated);
  std::string pricing_category = "service";
  if (auto e = CheckReferences(phone_number_id, valid, &pricing_category)) return Reject(*e);
  if (valid.kind == ValidSend::Kind::kMessage && !pairs_.TryAcquire(phone_number_id, valid.wa_id)) {
    return Reject(GraphError::Of(131056,
                                 "Message failed to send because there were too many messages sent from "
                                 "this phone number to the same phone number in a short period of time."));
  }
  return Accept(phone_number_id, std::move(std::get<ValidSend>(validated)), body, pricing_category, arrival_us);
}

std::optional<GraphError> SandboxApp::CheckReferences(std::string_view phone_number_id, const ValidSend& send,
                                                      std::string* pricing_category) {
  int64_t now = clock_.NowMs();
  for (const MediaRef& ref : send.media) {
    if (!media_store_.Get(ref.id, now)) {
      return checks::Invalid("Param " + ref.path + " is not a valid media id: media " + ref.id +
                             " was not uploaded to this sandbox (or was deleted or expired).");
    }
  }
  if (send.kind == ValidSend::Kind::kMarkRead) {
    if (!wamids_.Find(*send.target_message_id)) {
      return GraphError::Of(
          100, "Param message_id (" + *send.target_message_id + ") is not a message this sandbox sent or received.");
    }
    return std::nullopt;
  }
  if (send.type == "template") return templates_.CheckSend(phone_number_id, send.body["template"], pricing_category);
  return std::nullopt;
}

SendOutcome SandboxApp::Accept(std::string_view phone_number_id, ValidSend send, std::string_view raw_body,
                               const std::string& pricing_category, int64_t arrival_us) {
  SendOutcome outcome;
  template_store_.NoteNumber(phone_number_id);  // Graph knows it now (GET /{id}, its WABA's /phone_numbers)
  outcome.raw_request = std::make_shared<const std::string>(raw_body);
  if (send.kind == ValidSend::Kind::kMarkRead) {  // no status webhooks follow a mark-as-read
    outcome.body = {{"success", true}};
    return outcome;
  }
  std::string wamid = NewWamid();
  wamids_.Add(wamid, WamidRegistry::Entry{false, send.type, std::string(phone_number_id)});
  nlohmann::ordered_json message = {{"id", wamid}};
  if (send.type == "template") message["message_status"] = "accepted";
  nlohmann::ordered_json body = {
      {"messaging_product", "whatsapp"},
      {"contacts", nlohmann::ordered_json::array({{{"input", send.to}, {"wa_id", send.wa_id}}})},
      {"messages", nlohmann::ordered_json::array({message})}};
  LiveConfig cfg = config();
  std::optional<AsyncFailure> failure = DecideFate(phone_number_id, send, cfg);
  if (failure) outcome.async_failure = failure->code;
  ScheduleStatuses(phone_number_id, send, wamid, pricing_category, cfg, failure);
  log_.AddAccepted(AcceptedMessage{wamid, std::string(phone_number_id), send.to, send.type, send.text,
                                   send.biz_opaque_callback_data, outcome.raw_request, arrival_us / 1000, arrival_us});
  outcome.body = std::move(body);
  outcome.wamid = wamid;
  return outcome;
}

// A reaction's target must be a message the sandbox knows that is not itself a reaction; otherwise Meta
// accepts it and reports 131009 later (cloud-api.md §1.8).
std::optional<AsyncFailure> SandboxApp::DecideFate(std::string_view phone_number_id, const ValidSend& send,
                                                   const LiveConfig& cfg) {
  bool free_form = send.type != "template";
  int64_t tier = tier_.LimitFor(phone_number_id);  // the number's own tier, else the `tier` setting
  bool window_matters = (cfg.enforce_window && free_form) || tier > 0;
  bool window_open = !window_matters || windows_.IsOpen(phone_number_id, send.wa_id);
  if (!window_open && cfg.enforce_window && free_form) {
    ++window_failures_;
    return AsyncFailure{131047,
                        "Message failed to send because more than 24 hours have passed since the customer "
                        "last replied to this number."};
  }
  if (send.type == "reaction") {
    auto target = wamids_.Find(*send.target_message_id);
    if (!target || target->type == "reaction") {
      ++reaction_failures_;
      return AsyncFailure{
          131009, target ? "Reactions cannot be sent to a reaction message."
                         : "The message reacted to (" + *send.target_message_id + ") does not exist in this sandbox."};
    }
  }
  if (window_open) return std::nullopt;
  if (tier > 0 && !tier_.TryReach(phone_number_id, send.wa_id)) {
    ++tier_failures_;
    return AsyncFailure{
        131000, "sandbox: messaging tier limit of " + std::to_string(tier) + " unique customers per 24 h reached"};
  }
  return std::nullopt;
}

// sent → delivered → read at the configured delays; reactions only get `sent`, as on Meta. A doomed
// message gets one `failed` status (with its error) at the `sent` delay instead.
void SandboxApp::ScheduleStatuses(std::string_view phone_number_id, const ValidSend& send, const std::string& wamid,
                                  const std::string& pricing_category, const LiveConfig& cfg,
                                  const std::optional<AsyncFailure>& failure) {
  if (cfg.webhook_url.empty()) return;
  FaultSettings faults = faults_.settings();
  struct Planned {
    const char* status;
    int64_t delay_ms;
    bool priced;
  };
  std::vector<Planned> plan = {{failure ? "failed" : "sent", cfg.delay_sent_ms, !failure}};
  if (!failure && send.type != "reaction") {
    plan.push_back({"delivered", cfg.delay_delivered_ms, true});
    plan.push_back({"read", cfg.delay_read_ms, false});
    if (faults.reorder) std::swap(plan[1].delay_ms, plan[2].delay_ms);
  }
  auto accepted_steady = std::chrono::steady_clock::now();
  int64_t accepted_ms = clock_.NowMs();
  std::string waba_id = WabaForWebhooks(phone_number_id);
  for (const Planned& p : plan) {
    WebhookEvent event;
    event.kind = WebhookEvent::Kind::kStatus;
    event.waba_id = waba_id;
    event.phone_number_id = std::string(phone_number_id);
    event.wamid = wamid;
    event.peer_wa_id = send.wa_id;
    event.timestamp_s = (accepted_ms + p.delay_ms) / 1000;
    event.status = p.status;
    event.biz_opaque_callback_data = send.biz_opaque_callback_data;
    if (p.priced) event.pricing_category = pricing_category;
    if (failure) {
      event.error_code = failure->code;
      event.error_details = failure->details;
    }
    auto due = accepted_steady + milliseconds(p.delay_ms);
    if (faults_.RollDuplicate()) webhooks_.Schedule(event, due + milliseconds(50));
    webhooks_.Schedule(std::move(event), due);
  }
}

// --- /_sandbox control routes -----------------------------------------------------------------------

// {"phone_number_id","customer","last_inbound_ms"}: sets when the customer last wrote (Unix ms; null
// forgets them), so a test puts a customer inside or outside the service window without waiting.
void SandboxApp::HandleWindow(http::Request& request, http::Responder respond) {
  auto parsed = core::ParseJsonObject(request.body);
  if (!parsed.ok()) return respond(http::ErrorResponse(parsed.error()));
  core::FieldErrors errors;
  core::ObjectReader fields(*parsed, "", errors);
  auto phone_number_id = fields.String("phone_number_id", true, 20, 1);
  auto customer = fields.String("customer", true, 32, 1);
  auto last_inbound_ms = fields.Int("last_inbound_ms", false, 0, 253'402'300'799'999);  // ≤ year 9999
  if (!fields.ok()) return respond(http::ErrorResponse(fields.error()));
  if (!parsed->contains("last_inbound_ms")) {
    return respond(HouseError("invalid_field", "field 'last_inbound_ms' is required (Unix ms, or null to forget)"));
  }
  for (const auto& [name, value] : parsed->items()) {
    if (name != "phone_number_id" && name != "customer" && name != "last_inbound_ms") {
      return respond(HouseError("invalid_field", "unknown field '" + name + "'"));
    }
  }
  if (!AllDigits(*phone_number_id, 20))
    return respond(HouseError("invalid_field", "field 'phone_number_id' must be digits"));
  std::string digits = DigitsOf(*customer);
  if (digits.empty()) return respond(HouseError("invalid_field", "field 'customer' must be a phone number"));
  windows_.SetLastInbound(*phone_number_id, digits, last_inbound_ms);
  respond(http::JsonResponse(200, json{{"phone_number_id", *phone_number_id},
                                       {"customer", digits},
                                       {"last_inbound_ms", last_inbound_ms ? json(*last_inbound_ms) : json(nullptr)},
                                       {"window_open", windows_.IsOpen(*phone_number_id, digits)}}));
}

void SandboxApp::HandleStats(http::Request&, http::Responder respond) {
  json stats = log_.CountersJson();
  WebhookSenderStats webhooks = webhooks_.stats();
  stats["webhooks_delivered"] = webhooks.delivered;
  stats["webhooks_pending"] = webhooks.pending;
  stats["webhooks_failed_attempts"] = webhooks.failed_attempts;
  stats["webhooks_dropped"] = webhooks.dropped;
  stats["webhook_verification"] = VerificationToJson(webhooks_.verification());
  stats["held_requests"] = held_.pending();
  stats["window_failures"] = window_failures_.load();
  stats["tier_failures"] = tier_failures_.load();
  stats["reaction_failures"] = reaction_failures_.load();
  stats["pair_buckets"] = pairs_.tracked_pairs();
  stats["known_wamids"] = wamids_.size();
  json lag = json::array();
  for (const auto& e : lag_.Episodes()) lag.push_back({{"at_ms", e.at_ms}, {"lag_ms", e.lag_ms}});
  stats["scheduling_lag"] = {{"max_ms", lag_.MaxLagMs()}, {"episodes", lag}};
  stats["media_count"] = media_store_.count();
  stats["media_bytes"] = media_store_.bytes();
  respond(http::JsonResponse(200, stats));
}

void SandboxApp::HandleGetFaults(http::Request&, http::Responder respond) {
  respond(http::JsonResponse(200, FaultsToJson(faults_.settings(), faults_.seed())));
}

void SandboxApp::HandlePostFaults(http::Request& request, http::Responder respond) {
  auto parsed = core::ParseJsonObject(request.body);
  if (!parsed.ok()) return respond(http::ErrorResponse(parsed.error()));
  FaultSettings faults = faults_.settings();
  std::string problem = PatchFaults(*parsed, &faults);
  if (problem.empty()) problem = faults_.Update(faults);
  if (!problem.empty()) return respond(HouseError("invalid_field", problem));
  core::LogInfo(kLog, "fault settings changed", {{"faults", FaultsToJson(faults, faults_.seed()).dump()}});
  respond(http::JsonResponse(200, FaultsToJson(faults, faults_.seed())));
}

void SandboxApp::HandleGetConfig(http::Request&, http::Responder respond) {
  respond(http::JsonResponse(200, ConfigToJson(config())));
}

void SandboxApp::HandlePostConfig(http::Request& request, http::Responder respond) {
  auto parsed = core::ParseJsonObject(request.body);
  if (!parsed.ok()) return respond(http::ErrorResponse(parsed.error()));
  LiveConfig updated;
  {
    std::lock_guard lock(config_mu_);
    updated = config_;
    std::string problem = PatchConfig(*parsed, &updated);
    if (!problem.empty()) return respond(HouseError("invalid_field", problem));
    config_ = updated;
  }
  rate_window_.SetLimit(updated.mps);
  pairs_.Configure(updated.pair_burst, updated.pair_interval_ms);
  windows_.SetWindowMs(updated.window_hours * kHourMs);
  tier_.SetLimit(updated.tier);
  management_.SetLimit(updated.management_calls_per_hour);
  webhooks_.SetTarget(updated.webhook_url, updated.app_secret, updated.verify_token);
  webhooks_.SetHorizon(std::chrono::seconds(updated.webhook_horizon_s));
  template_store_.SetDefaultWaba(updated.default_waba_id);
  core::LogInfo(kLog, "configuration changed",
                {{"webhook_url", updated.webhook_url},
                 {"mps", updated.mps},
                 {"pair_burst", updated.pair_burst},
                 {"pair_interval_ms", updated.pair_interval_ms},
                 {"enforce_window", updated.enforce_window ? "true" : "false"},
                 {"window_hours", updated.window_hours},
                 {"tier", updated.tier},
                 {"template_review", updated.template_review},
                 {"default_waba_id", updated.default_waba_id}});
  respond(http::JsonResponse(200, ConfigToJson(updated)));
}

// --- GET, POST and DELETE /{version}/{object_id}: every kind of object shares the route -----------

void SandboxApp::HandleGetObject(http::Request& request, http::Responder respond) {
  if (auto e = CheckGraphAccess(request.params["version"], BearerOf(request), access_token_)) {
    return respond(GraphErrorResponse(*e));
  }
  const std::string& id = request.params["object_id"];
  if (AllDigits(id)) {
    if (auto tmpl = templates_.Describe(id)) return respond(GraphJson(200, *tmpl));
    if (auto media = media_.Describe(request, id)) return respond(std::move(*media));
    if (auto number = DescribePhoneNumber(request, id)) return respond(std::move(*number));
    if (auto waba = DescribeWaba(id)) return respond(std::move(*waba));
  }
  respond(GraphErrorResponse(UnknownObjectError(id, request.method)));
}

// Only templates take a POST on their node (Meta's template edit).
void SandboxApp::HandlePostObject(http::Request& request, http::Responder respond) {
  if (auto e = CheckGraphAccess(request.params["version"], BearerOf(request), access_token_)) {
    return respond(GraphErrorResponse(*e));
  }
  const std::string& id = request.params["object_id"];
  if (AllDigits(id)) {
    if (auto edited = templates_.Edit(request, id)) return respond(std::move(*edited));
  }
  respond(GraphErrorResponse(UnknownObjectError(id, request.method)));
}

void SandboxApp::HandleDeleteObject(http::Request& request, http::Responder respond) {
  if (auto e = CheckGraphAccess(request.params["version"], BearerOf(request), access_token_)) {
    return respond(GraphErrorResponse(*e));
  }
  const std::string& id = request.params["object_id"];
  if (AllDigits(id)) {
    if (auto deleted = media_.Remove(request, id)) return respond(std::move(*deleted));
  }
  respond(GraphErrorResponse(UnknownObjectError(id, request.method)));  // templates go through the WABA's edge
}

std::string SandboxApp::WabaForWebhooks(std::string_view phone_number_id) const {
  return template_store_.WabaOf(phone_number_id).value_or(std::string(kSandboxWabaId));
}

}  // namespace wagate::sandbox
