#include "wagate/sandbox/sandbox_app.hpp"

#include <algorithm>

#include "wagate/core/ids.hpp"
#include "wagate/core/log.hpp"
#include "wagate/http/json_fields.hpp"
#include "wagate/http/responses.hpp"

namespace wagate::sandbox {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

constexpr std::string_view kLog = "sandbox";

bool AllDigits(std::string_view s, size_t max_len) {
  return !s.empty() && s.size() <= max_len && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Graph versions look like "v24.0".
bool IsGraphVersion(std::string_view v) {
  size_t dot = v.find('.');
  return v.size() >= 4 && v[0] == 'v' && dot != std::string_view::npos && AllDigits(v.substr(1, dot - 1), 3) &&
         AllDigits(v.substr(dot + 1), 2);
}

std::string Base64(std::string_view bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (size_t i = 0; i + 2 < bytes.size(); i += 3) {  // callers pass a multiple of 3: no padding
    uint32_t n = static_cast<uint8_t>(bytes[i]) << 16 | static_cast<uint8_t>(bytes[i + 1]) << 8 |
                 static_cast<uint8_t>(bytes[i + 2]);
    for (int shift = 18; shift >= 0; shift -= 6) out.push_back(kAlphabet[(n >> shift) & 63]);
  }
  return out;
}

// Best effort, for the request log only: the callback data of a body that may be invalid.
std::optional<std::string> CallbackDataOf(std::string_view body) {
  json parsed = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_object()) return std::nullopt;
  auto it = parsed.find("biz_opaque_callback_data");
  if (it == parsed.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

std::string BearerOf(const http::Request& request) {
  std::string_view auth = request.Header("authorization");
  if (auth.size() > 7 && (auth.substr(0, 7) == "Bearer " || auth.substr(0, 7) == "bearer ")) {
    std::string token(auth.substr(7));
    token.erase(0, token.find_first_not_of(' '));
    return token;
  }
  return request.Query("access_token").value_or("");  // Graph also accepts ?access_token=
}

http::Response HouseError(std::string_view code, std::string message) {
  return http::ErrorResponse(400, code, message);
}

}  // namespace

std::string NewWamid() { return "wamid.HBgL" + Base64(core::RandomBytes(30)); }

SandboxApp::SandboxApp(const SandboxSettings& settings, const core::Clock& clock, uint64_t seed)
    : clock_(clock),
      access_token_(settings.access_token),
      config_{settings.webhook_url,   settings.app_secret,         settings.mps,
              settings.delay_sent_ms, settings.delay_delivered_ms, settings.delay_read_ms,
              settings.webhook_horizon_s, settings.timeout_ms},
      rate_window_(clock, settings.mps),
      faults_(settings.faults, seed),
      webhooks_(WebhookSenderSettings{settings.webhook_url, settings.app_secret, settings.webhook_threads,
                                      static_cast<size_t>(settings.webhook_batch),
                                      std::chrono::seconds(settings.webhook_horizon_s)}) {}

SandboxApp::~SandboxApp() { Stop(); }

void SandboxApp::Start() { webhooks_.Start(); }

void SandboxApp::Stop() {
  held_.Stop();
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
  router.Add("POST", "/{version}/{phone_number_id}/messages", bind(&SandboxApp::HandleSend));
  router.Add("GET", "/_sandbox/messages", [this](http::Request&, http::Responder respond) {
    respond(http::JsonResponse(200, log_.MessagesJson()));
  });
  router.Add("DELETE", "/_sandbox/messages", [this](http::Request&, http::Responder respond) {
    log_.Clear();
    respond(http::JsonResponse(200, json{{"cleared", true}}));
  });
  router.Add("GET", "/_sandbox/requests", [this](http::Request&, http::Responder respond) {
    respond(http::JsonResponse(200, log_.RequestsJson()));
  });
  router.Add("GET", "/_sandbox/stats", bind(&SandboxApp::HandleStats));
  router.Add("POST", "/_sandbox/inbound", bind(&SandboxApp::HandleInbound));
  router.Add("GET", "/_sandbox/faults", bind(&SandboxApp::HandleGetFaults));
  router.Add("POST", "/_sandbox/faults", bind(&SandboxApp::HandlePostFaults));
  router.Add("GET", "/_sandbox/config", bind(&SandboxApp::HandleGetConfig));
  router.Add("POST", "/_sandbox/config", bind(&SandboxApp::HandlePostConfig));
}

// --- the Graph send route -------------------------------------------------------------------------

void SandboxApp::HandleSend(http::Request& request, http::Responder respond) {
  const std::string& phone_number_id = request.params["phone_number_id"];
  int64_t arrived_ms = clock_.NowMs();
  SendOutcome outcome = Send(request.params["version"], phone_number_id, BearerOf(request), request.body);
  log_.AddRequest(RequestRecord{arrived_ms, phone_number_id, CallbackDataOf(request.body), outcome.http_status,
                                outcome.graph_code, outcome.wamid});
  http::Response response;
  response.status = outcome.http_status;
  response.body = outcome.body.dump(-1, ' ', false, json::error_handler_t::replace);
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
// the body. Only requests that pass the token count against the throughput window.
SendOutcome SandboxApp::Send(std::string_view version, std::string_view phone_number_id, std::string_view bearer,
                             std::string_view body) {
  if (!IsGraphVersion(version)) {
    return Reject(GraphError{2500, "Unknown path components: /" + std::string(version), "OAuthException"});
  }
  if (!AllDigits(phone_number_id, 20)) return Reject(UnknownObjectError(phone_number_id));
  if (bearer.empty() || (!access_token_.empty() && bearer != access_token_)) return Reject(MissingTokenError());
  if (!rate_window_.TryAcquire(phone_number_id)) {
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
  return Accept(phone_number_id, std::move(std::get<ValidSend>(validated)), body);
}

SendOutcome SandboxApp::Accept(std::string_view phone_number_id, ValidSend send, std::string_view raw_body) {
  SendOutcome outcome;
  if (send.kind == ValidSend::Kind::kMarkRead) {
    outcome.body = {{"success", true}};
    return outcome;
  }
  std::string wamid = NewWamid();
  nlohmann::ordered_json message = {{"id", wamid}};
  if (send.type == "template") message["message_status"] = "accepted";
  nlohmann::ordered_json body = {{"messaging_product", "whatsapp"},
                                 {"contacts", nlohmann::ordered_json::array({{{"input", send.to}, {"wa_id", send.wa_id}}})},
                                 {"messages", nlohmann::ordered_json::array({message})}};
  ScheduleStatuses(phone_number_id, send, wamid);
  log_.AddAccepted(AcceptedMessage{wamid, std::string(phone_number_id), send.to, send.type, send.text,
                                   send.biz_opaque_callback_data, std::string(raw_body), clock_.NowMs()});
  outcome.body = std::move(body);
  outcome.wamid = wamid;
  return outcome;
}

// sent → delivered → read at the configured delays; reactions only get `sent`, as on Meta.
void SandboxApp::ScheduleStatuses(std::string_view phone_number_id, const ValidSend& send, const std::string& wamid) {
  LiveConfig cfg = config();
  if (cfg.webhook_url.empty()) return;
  FaultSettings faults = faults_.settings();
  struct Planned {
    const char* status;
    int64_t delay_ms;
    bool priced;
  };
  std::vector<Planned> plan = {{"sent", cfg.delay_sent_ms, true}};
  if (send.type != "reaction") {
    plan.push_back({"delivered", cfg.delay_delivered_ms, true});
    plan.push_back({"read", cfg.delay_read_ms, false});
    if (faults.reorder) std::swap(plan[1].delay_ms, plan[2].delay_ms);
  }
  auto accepted_steady = std::chrono::steady_clock::now();
  int64_t accepted_ms = clock_.NowMs();
  std::string category = send.type == "template" ? "utility" : "service";
  for (const Planned& p : plan) {
    WebhookEvent event;
    event.kind = WebhookEvent::Kind::kStatus;
    event.phone_number_id = std::string(phone_number_id);
    event.wamid = wamid;
    event.peer_wa_id = send.wa_id;
    event.timestamp_s = (accepted_ms + p.delay_ms) / 1000;
    event.status = p.status;
    event.biz_opaque_callback_data = send.biz_opaque_callback_data;
    if (p.priced) event.pricing_category = category;
    auto due = accepted_steady + milliseconds(p.delay_ms);
    if (faults_.RollDuplicate()) webhooks_.Schedule(event, due + milliseconds(50));
    webhooks_.Schedule(std::move(event), due);
  }
}

// --- /_sandbox control routes -----------------------------------------------------------------------

void SandboxApp::HandleInbound(http::Request& request, http::Responder respond) {
  auto parsed = http::ParseJsonObject(request.body);
  if (!parsed.ok()) return respond(http::ErrorResponse(parsed.error()));
  http::FieldReader fields(*parsed);
  auto phone_number_id = fields.String("phone_number_id", true, 20, 1);
  auto from = fields.String("from", true, 32, 1);
  auto text = fields.String("text", true, 4096, 1);
  auto name = fields.String("name", false, 256);
  if (!fields.ok()) return respond(http::ErrorResponse(fields.error()));
  if (!AllDigits(*phone_number_id, 20)) return respond(HouseError("invalid_field", "field 'phone_number_id' must be digits"));
  std::string from_digits = DigitsOf(*from);
  if (from_digits.empty()) return respond(HouseError("invalid_field", "field 'from' must be a phone number"));

  WebhookEvent event;
  event.kind = WebhookEvent::Kind::kInboundText;
  event.phone_number_id = *phone_number_id;
  event.wamid = NewWamid();
  event.peer_wa_id = from_digits;
  event.timestamp_s = clock_.NowMs() / 1000;
  event.text = *text;
  event.profile_name = name.value_or("Sandbox Customer");
  std::string wamid = event.wamid;
  bool scheduled = webhooks_.Schedule(std::move(event), std::chrono::steady_clock::now());
  respond(http::JsonResponse(200, json{{"wamid", wamid}, {"webhook_scheduled", scheduled}}));
}

void SandboxApp::HandleStats(http::Request&, http::Responder respond) {
  json stats = log_.CountersJson();
  WebhookSenderStats webhooks = webhooks_.stats();
  stats["webhooks_delivered"] = webhooks.delivered;
  stats["webhooks_pending"] = webhooks.pending;
  stats["webhooks_failed_attempts"] = webhooks.failed_attempts;
  stats["webhooks_dropped"] = webhooks.dropped;
  stats["held_requests"] = held_.pending();
  respond(http::JsonResponse(200, stats));
}

void SandboxApp::HandleGetFaults(http::Request&, http::Responder respond) {
  respond(http::JsonResponse(200, FaultsToJson(faults_.settings(), faults_.seed())));
}

void SandboxApp::HandlePostFaults(http::Request& request, http::Responder respond) {
  auto parsed = http::ParseJsonObject(request.body);
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
  auto parsed = http::ParseJsonObject(request.body);
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
  webhooks_.SetTarget(updated.webhook_url, updated.app_secret);
  webhooks_.SetHorizon(std::chrono::seconds(updated.webhook_horizon_s));
  core::LogInfo(kLog, "configuration changed", {{"webhook_url", updated.webhook_url}, {"mps", updated.mps}});
  respond(http::JsonResponse(200, ConfigToJson(updated)));
}

}  // namespace wagate::sandbox
