#include "wagate/api/routes.hpp"

namespace wagate::api {

void RegisterRoutes(http::Router& router, ApiContext& ctx) {
  RegisterAdminRoutes(router, ctx);
  RegisterMessageRoutes(router, ctx);
  RegisterWebhookRoutes(router, ctx);
  RegisterOpsRoutes(router, ctx);
  RegisterEngineRoutes(router, ctx);
}

}  // namespace wagate::api
