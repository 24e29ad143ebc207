// Template management as Meta serves it (GET/POST/DELETE /{version}/{waba_id}/message_templates), the
// sandbox's control routes for templates and number→WABA links, simulated review, and the template
// rules of a template send (132001, 132015, 132016, 132000, 132012).
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "wagate/core/clock.hpp"
#include "wagate/http/router.hpp"
#include "wagate/sandbox/app/control_json.hpp"
#include "wagate/sandbox/limits/rate_window.hpp"
#include "wagate/sandbox/messages/send_checks.hpp"
#include "wagate/sandbox/templates/template_store.hpp"
#include "wagate/sandbox/webhooks/delayed_tasks.hpp"
#include "wagate/sandbox/webhooks/webhook_sender.hpp"

namespace wagate::sandbox {

// Thread-safe (the store and the sender are). Status changes, manual or from a review, each send one
// signed `message_template_status_update` webhook through the shared sender (same retries as statuses).
class TemplateEndpoints final {
 public:
  using ConfigFn = std::function<LiveConfig()>;

  // `management`: the WABA's hourly management-call window (80007 past it), shared with other WABA routes.
  TemplateEndpoints(TemplateStore& store, WebhookSender& webhooks, DelayedTasks& timers, RateWindow& management,
                    const core::Clock& clock, std::string access_token, ConfigFn config);

  void RegisterRoutes(http::Router& router);

  // POST /{version}/{id} when `id` is a template (the caller checked version and token): Meta's edit —
  // new components and/or category, then a review as at creation → {"success":true}; nullopt otherwise.
  std::optional<http::Response> Edit(const http::Request& request, std::string_view id);
  // GET /{version}/{id} when `id` is a template: its Graph JSON; nullopt otherwise.
  std::optional<nlohmann::ordered_json> Describe(std::string_view id);
  // The stored-template rules of a valid template send from `phone_number_id`. On success `category`
  // receives the template's category in lower case (the pricing category of its statuses).
  Check CheckSend(std::string_view phone_number_id, const nlohmann::json& tmpl, std::string* category);

  // Meta's sample template, which every new WABA has: hello_world, en_US, UTILITY, APPROVED.
  static void AddSampleTemplate(TemplateStore& store, const std::string& waba_id);

 private:
  void HandleList(http::Request& request, http::Responder respond);
  void HandleCreate(http::Request& request, http::Responder respond);
  void HandleDelete(http::Request& request, http::Responder respond);
  void HandleLinkNumber(http::Request& request, http::Responder respond);
  void HandleListNumbers(http::Request& request, http::Responder respond);
  void HandleSeed(http::Request& request, http::Responder respond);
  void HandleControlList(http::Request& request, http::Responder respond);
  void HandleSetStatus(http::Request& request, http::Responder respond);

  // Version, token and WABA id of a Graph template route; the error response when one fails.
  std::optional<http::Response> CheckAccess(const http::Request& request) const;
  // Applies the reviews due by the clock (so a fake clock drives them) and reports them.
  void Settle();
  void Notify(const TemplateTransition& transition);
  void StartReview(const TemplateRecord& record);

  TemplateStore& store_;
  WebhookSender& webhooks_;
  DelayedTasks& timers_;
  RateWindow& management_;
  const core::Clock& clock_;
  const std::string access_token_;
  const ConfigFn config_;
};

// The Graph JSON of a template: id, name, language, status, category, parameter_format, components.
nlohmann::ordered_json TemplateJson(const TemplateRecord& record);

}  // namespace wagate::sandbox
