// The Cloud API simulator itself: the Graph send route, the /_sandbox control routes, and the parts
// behind them (rate window, faults, message log, webhook delivery, templates, media).
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "wagate/core/clock.hpp"
#include "wagate/core/lag_monitor.hpp"
#include "wagate/http/router.hpp"
#include "wagate/sandbox/app/control_json.hpp"
#include "wagate/sandbox/app/sandbox_settings.hpp"
#include "wagate/sandbox/graph/fault_injector.hpp"
#include "wagate/sandbox/graph/graph_errors.hpp"
#include "wagate/sandbox/limits/messaging_tier.hpp"
#include "wagate/sandbox/limits/pair_limiter.hpp"
#include "wagate/sandbox/limits/rate_window.hpp"
#include "wagate/sandbox/limits/service_window.hpp"
#include "wagate/sandbox/media/media_endpoints.hpp"
#include "wagate/sandbox/media/media_store.hpp"
#include "wagate/sandbox/messages/message_log.hpp"
#include "wagate/sandbox/messages/message_validator.hpp"
#include "wagate/sandbox/messages/wamid_registry.hpp"
#include "wagate/sandbox/templates/template_endpoints.hpp"
#include "wagate/sandbox/templates/template_store.hpp"
#include "wagate/sandbox/webhooks/delayed_tasks.hpp"
#include "wagate/sandbox/webhooks/webhook_sender.hpp"

namespace wagate::sandbox {

// The answer to one send request, decided without HTTP types; the handler turns it into a Response.
struct SendOutcome {
  int http_status = 200;
  nlohmann::ordered_json body;        // Meta's key order
  std::optional<int> graph_code;      // set on errors
  std::optional<std::string> wamid;   // set when a message was accepted
  std::chrono::milliseconds hold{0};  // simulated timeout: answer only after this long
  // Accepted, but doomed: the code of the `failed` status webhook it gets instead of sent/delivered/read
  // (131047 outside the service window, 131009 a reaction to an unknown message, 131000 past the tier).
  std::optional<int> async_failure;
  std::shared_ptr<const std::string> raw_request;  // accepted requests: the body, shared with the logs
};

// Why an accepted message fails later, as its `failed` status webhook says it.
struct AsyncFailure {
  int code = 0;
  std::string details;
};

// Thread-safe: handlers run on many HTTP workers. Owns its background threads (webhook delivery and
// the timer that answers held requests); Start() and Stop() bracket them.
class SandboxApp final {
 public:
  SandboxApp(const SandboxSettings& settings, const core::Clock& clock, uint64_t seed);
  ~SandboxApp();

  void RegisterRoutes(http::Router& router);
  void Start();
  // Stops webhook delivery (queued events are discarded) and drops held requests.
  void Stop();

  // POST /{version}/{phone_number_id}/messages, after routing; `bearer` may be empty.
  // `arrival_us`: when the request reached the sandbox, µs since the epoch (0 = now).
  SendOutcome Send(std::string_view version, std::string_view phone_number_id, std::string_view bearer,
                   std::string_view body, int64_t arrival_us = 0);

  // The stores, for tests and for seeding; the webhook queue, for tests.
  TemplateStore& template_store() { return template_store_; }
  MediaStore& media_store() { return media_store_; }
  const WebhookSender& webhook_sender() const { return webhooks_; }

 private:
  void HandleSend(http::Request& request, http::Responder respond);
  void HandleGetObject(http::Request& request, http::Responder respond);
  void HandlePostObject(http::Request& request, http::Responder respond);
  void HandleDeleteObject(http::Request& request, http::Responder respond);
  void HandleInbound(http::Request& request, http::Responder respond);
  void HandleQuality(http::Request& request, http::Responder respond);
  void HandleGetFaults(http::Request& request, http::Responder respond);
  void HandlePostFaults(http::Request& request, http::Responder respond);
  void HandleGetConfig(http::Request& request, http::Responder respond);
  void HandlePostConfig(http::Request& request, http::Responder respond);
  void HandleStats(http::Request& request, http::Responder respond);
  void HandleWindow(http::Request& request, http::Responder respond);
  // Phone numbers and WABAs as Graph objects (phone_number_routes.cpp): GET /{phone_number_id},
  // GET /{waba_id}, GET /{waba_id}/phone_numbers.
  void HandleListPhoneNumbers(http::Request& request, http::Responder respond);
  std::optional<http::Response> DescribePhoneNumber(const http::Request& request, const std::string& id);
  std::optional<http::Response> DescribeWaba(const std::string& id);
  nlohmann::ordered_json PhoneNumberJson(const std::string& id, const std::vector<std::string>& fields) const;

  SendOutcome Reject(const GraphError& error) const;
  // What the body refers to must exist here: media ids, the wamid marked read, the template sent.
  std::optional<GraphError> CheckReferences(std::string_view phone_number_id, const ValidSend& send,
                                            std::string* pricing_category);
  SendOutcome Accept(std::string_view phone_number_id, ValidSend send, std::string_view raw_body,
                     const std::string& pricing_category, int64_t arrival_us);
  // Window and tier rules, in Meta's order: a free-form message outside the window fails (when enforced)
  // without counting against the tier; any other message outside the window needs tier room.
  std::optional<AsyncFailure> DecideFate(std::string_view phone_number_id, const ValidSend& send,
                                         const LiveConfig& cfg);
  void ScheduleStatuses(std::string_view phone_number_id, const ValidSend& send, const std::string& wamid,
                        const std::string& pricing_category, const LiveConfig& cfg,
                        const std::optional<AsyncFailure>& failure);
  // entry[].id of this number's webhooks: its WABA.
  std::string WabaForWebhooks(std::string_view phone_number_id) const;
  LiveConfig config() const;

  const core::Clock& clock_;
  const std::string access_token_;  // empty: any non-empty bearer token
  mutable std::mutex config_mu_;
  LiveConfig config_;  // the source of truth; pushed into the rate window and the sender on change
  MessageLog log_;
  RateWindow rate_window_;
  RateWindow management_;  // management calls per WABA per hour (80007 beyond)
  PairLimiter pairs_;
  ServiceWindows windows_;
  MessagingTier tier_;
  std::atomic<uint64_t> window_failures_{0};
  std::atomic<uint64_t> tier_failures_{0};
  std::atomic<uint64_t> reaction_failures_{0};
  FaultInjector faults_;
  WebhookSender webhooks_;
  core::LagMonitor lag_;  // our own scheduling delays, reported in /_sandbox/stats
  DelayedTasks held_;
  DelayedTasks timers_;  // template reviews
  WamidRegistry wamids_;
  TemplateStore template_store_;
  MediaStore media_store_;
  TemplateEndpoints templates_;
  MediaEndpoints media_;
};

}  // namespace wagate::sandbox
