// /healthz, /readyz, /metrics.
#include "wagate/api/routes.hpp"
#include "wagate/http/responses.hpp"

namespace wagate::api {

void RegisterOpsRoutes(http::Router& router, ApiContext& ctx) {
  router.Add("GET", "/healthz", [](http::Request&, http::Responder respond) {
    respond(http::JsonResponse(200, {{"status", "ok"}}));
  }, http::Execution::kInline);
  router.Add("GET", "/readyz", [&ctx](http::Request&, http::Responder respond) {
    if (!ctx.ready) return respond(http::ErrorResponse(503, "not_ready", "the gateway is starting or stopping"));
    respond(http::JsonResponse(200, {{"status", "ready"}}));
  });
  router.Add("GET", "/metrics", [&ctx](http::Request&, http::Responder respond) {
    http::Response r;
    r.content_type = "text/plain; version=0.0.4";
    r.body = ctx.metrics.RenderPrometheus();
    respond(std::move(r));
  });
}

}  // namespace wagate::api
