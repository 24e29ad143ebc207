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
constexpr int64_t kHourMs = 3600LL * 1000;

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
              .timeout_ms = settings.timeout_ms},
      rate_window_(clock, settings.mps),
      pairs_(clock, settings.pair_burst, settings.pair_interval_ms),
      windows_(clock, settings.window_hours * kHourMs),
      tier_(clock, settings.tier),
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
  router.Add("POST", "/_sandbox/window", bind(&SandboxApp::HandleWindow));
  router.Add("GET", "/_sandbox/faults", bind(&SandboxApp::HandleGetFaults));
  router.Add("POST", "/_sandbox/faults", bind(&SandboxApp::HandlePostFaults));
  router.Add("GET", "/_sandbox/config", bind(&SandboxApp::HandleGetConfig));
  router.Add("POST", "/_sandbox/config", bind(&SandboxApp::HandlePostConfig));
}

// --- the Graph send route -------------------------------------------------------------------------

void SandboxApp::HandleSend(http::Request& request, http::Responder respond) {
  const std::string& phone_number_id = request.params["phone_number_id"];
  int64_t arrived_ms = clock_.NowMs();
  SendOutcome outcome =
      Send(request.params["version"], phone_number_id, BearerOf(request), request.body, request.received_at_ms);
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
// the body, then the pair rate limit (it needs the recipient). Only requests that pass the token count
// against the throughput window; only valid messages that pass everything else take a pair token.
SendOutcome SandboxApp::Send(std::string_view version, std::string_view phone_number_id, std::string_view bearer,
                             std::string_view body, int64_t arrival_ms) {
  if (!IsGraphVersion(version)) {
    return Reject(GraphError{2500, "Unknown path components: /" + std::string(version), "OAuthException"});
  }
  if (!AllDigits(phone_number_id, 20)) return Reject(UnknownObjectError(phone_number_id));
  if (bearer.empty() || (!access_token_.empty() && bearer != access_token_)) return Reject(MissingTokenError());
  if (!rate_window_.TryAcquire(phone_number_id, arrival_ms)) {
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
  if (valid.kind == ValidSend::Kind::kMessage && !pairs_.TryAcquire(phone_number_id, valid.wa_id)) {
    return Reject(GraphError::Of(131056, "Message failed to send because there were too many messages sent from "
                                         "this phone number to the same phone number in a short period of time."));
  }
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
  LiveConfig cfg = config();
  std::optional<AsyncFailure> failure = DecideFate(phone_number_id, send, cfg);
  if (failure) outcome.async_failure = failure->code;
  ScheduleStatuses(phone_number_id, send, wamid, cfg, failure);
  log_.AddAccepted(AcceptedMessage{wamid, std::string(phone_number_id), send.to, send.type, send.text,
                                   send.biz_opaque_callback_data, std::string(raw_body), clock_.NowMs()});
  outcome.body = std::move(body);
  outcome.wamid = wamid;
  return outcome;
}

std::optional<AsyncFailure> SandboxApp::DecideFate(std::string_view phone_number_id, const ValidSend& send,
                                                   const LiveConfig& cfg) {
  bool free_form = send.type != "template";
  bool window_matters = (cfg.enforce_window && free_form) || cfg.tier > 0;
  if (!window_matters || windows_.IsOpen(phone_number_id, send.wa_id)) return std::nullopt;
  if (cfg.enforce_window && free_form) {
    ++window_failures_;
    return AsyncFailure{131047, "Message failed to send because more than 24 hours have passed since the customer "
                                "last replied to this number."};
  }
  if (cfg.tier > 0 && !tier_.TryReach(phone_number_id, send.wa_id)) {
    ++tier_failures_;
    return AsyncFailure{131000, "sandbox: messaging tier limit of " + std::to_string(cfg.tier) +
                                    " unique customers per 24 h reached"};
  }
  return std::nullopt;
}

// sent → delivered → read at the configured delays; reactions only get `sent`, as on Meta. A doomed
// message gets one `failed` status (with its error) at the `sent` delay instead.
void SandboxApp::ScheduleStatuses(std::string_view phone_number_id, const ValidSend& send, const std::string& wamid,
                                  const LiveConfig& cfg, const std::optional<AsyncFailure>& failure) {
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
  windows_.RecordInbound(*phone_number_id, from_digits);  // the customer opened (or refreshed) the window
  bool scheduled = webhooks_.Schedule(std::move(event), std::chrono::steady_clock::now());
  respond(http::JsonResponse(200, json{{"wamid", wamid}, {"webhook_scheduled", scheduled}}));
}

// {"phone_number_id","customer","last_inbound_ms"}: sets when the customer last wrote (Unix ms; null
// forgets them), so a test puts a customer inside or outside the service window without waiting.
void SandboxApp::HandleWindow(http::Request& request, http::Responder respond) {
  auto parsed = http::ParseJsonObject(request.body);
  if (!parsed.ok()) return respond(http::ErrorResponse(parsed.error()));
  http::FieldReader fields(*parsed);
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
  if (!AllDigits(*phone_number_id, 20)) return respond(HouseError("invalid_field", "field 'phone_number_id' must be digits"));
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
  stats["held_requests"] = held_.pending();
  stats["window_failures"] = window_failures_.load();
  stats["tier_failures"] = tier_failures_.load();
  stats["pair_buckets"] = pairs_.tracked_pairs();
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
  pairs_.Configure(updated.pair_burst, updated.pair_interval_ms);
  windows_.SetWindowMs(updated.window_hours * kHourMs);
  tier_.SetLimit(updated.tier);
  webhooks_.SetTarget(updated.webhook_url, updated.app_secret);
  webhooks_.SetHorizon(std::chrono::seconds(updated.webhook_horizon_s));
  core::LogInfo(kLog, "configuration changed",
                {{"webhook_url", updated.webhook_url},
                 {"mps", updated.mps},
                 {"pair_burst", updated.pair_burst},
                 {"pair_interval_ms", updated.pair_interval_ms},
                 {"enforce_window", updated.enforce_window ? "true" : "false"},
                 {"window_hours", updated.window_hours},
                 {"tier", updated.tier}});
  respond(http::JsonResponse(200, ConfigToJson(updated)));
}

}  // namespace wagate::sandbox
