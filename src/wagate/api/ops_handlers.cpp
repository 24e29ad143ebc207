// /healthz, /readyz, /metrics.
#include "wagate/api/auth.hpp"
#include "wagate/api/routes.hpp"
#include "wagate/http/responses.hpp"
#include "wagate/security/crypto.hpp"

namespace wagate::api {
namespace {

// /readyz refusing: 503 sends a load balancer's traffic elsewhere until the gateway can take it.
core::Error NotReady(std::string code, std::string message) {
  return core::Error{core::ErrorKind::kUnavailable, std::move(code), std::move(message)};
}

}  // namespace

void RegisterOpsRoutes(http::Router& router, ApiContext& ctx) {
  router.Add(
      "GET", "/healthz",
      [](http::Request&, http::Responder respond) {
        respond(http::JsonResponse(200, {{"status", "ok"}}));
      },
      http::Execution::kInline);
  // Inline: answered from two flags, never queued behind handlers on the worker pools.
  router.Add(
      "GET", "/readyz",
      [&ctx](http::Request&, http::Responder respond) {
        if (!ctx.ready)
          return respond(http::ErrorResponse(NotReady("not_ready", "the gateway is starting or stopping")));
        if (!ctx.store_health.Writable()) {
          return respond(http::ErrorResponse(
              NotReady("storage_unavailable", "the store cannot write (disk full or I/O error); sends are refused")));
        }
        // The broker link is reported, not required: HTTP sends go on while it reconnects.
        http::Json body = {{"status", "ready"}};
        if (ctx.broker_health) body["broker"] = ctx.broker_health();
        respond(http::JsonResponse(200, body));
      },
      http::Execution::kInline);
  // The metrics name every tenant's outlets and traffic: the admin key or the metrics token only.
  router.Add("GET", "/metrics", [&ctx](http::Request& req, http::Responder respond) {
    std::string_view auth = req.Header("authorization");
    bool token_ok = !ctx.metrics_token.empty() && auth.size() > 7 && auth.substr(0, 7) == "Bearer " &&
                    security::ConstantTimeEquals(auth.substr(7), ctx.metrics_token);
    if (!token_ok) {
      if (auto who = RequireAdmin(ctx, req); !who) return respond(http::ErrorResponse(who.error()));
    }
    http::Response r;
    r.content_type = "text/plain; version=0.0.4";
    r.body = ctx.metrics.RenderPrometheus();
    respond(std::move(r));
  });
}

}  // namespace wagate::api
