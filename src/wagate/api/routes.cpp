#include "wagate/api/routes.hpp"

namespace wagate::api {

void RegisterRoutes(http::Router& router, ApiContext& ctx) {
  RegisterAdminRoutes(router, ctx);
  RegisterMessageRoutes(router, ctx);
  RegisterWebhookRoutes(router, ctx);
  RegisterOpsRoutes(router, ctx);
  RegisterEngineRoutes(router, ctx);
  RegisterTemplateRoutes(router, ctx);
  RegisterMediaRoutes(router, ctx);
  RegisterConversationRoutes(router, ctx);
  RegisterSubscriptionRoutes(router, ctx);
  RegisterHookRoutes(router, ctx);
  if (ctx.campaigns) RegisterCampaignRoutes(router, ctx);
  if (ctx.suppressions) RegisterSuppressionRoutes(router, ctx);
}

}  // namespace wagate::api
