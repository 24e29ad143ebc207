// The gateway's route table: every endpoint registered in one place.
#pragma once

#include "wagate/api/api_context.hpp"
#include "wagate/http/router.hpp"

namespace wagate::api {

void RegisterRoutes(http::Router& router, ApiContext& ctx);

// Per resource (one file each).
void RegisterAdminRoutes(http::Router& router, ApiContext& ctx);
void RegisterMessageRoutes(http::Router& router, ApiContext& ctx);
void RegisterWebhookRoutes(http::Router& router, ApiContext& ctx);
void RegisterOpsRoutes(http::Router& router, ApiContext& ctx);
void RegisterEngineRoutes(http::Router& router, ApiContext& ctx);
void RegisterTemplateRoutes(http::Router& router, ApiContext& ctx);
void RegisterMediaRoutes(http::Router& router, ApiContext& ctx);
void RegisterConversationRoutes(http::Router& router, ApiContext& ctx);
void RegisterSubscriptionRoutes(http::Router& router, ApiContext& ctx);
void RegisterHookRoutes(http::Router& router, ApiContext& ctx);
void RegisterCampaignRoutes(http::Router& router, ApiContext& ctx);
void RegisterSuppressionRoutes(http::Router& router, ApiContext& ctx);

// Before a recipient list or suppression import is read: a valid key and a free upload slot of its
// tenant (each upload holds an upstream thread while it arrives).
core::Result<std::shared_ptr<void>> AdmitBulkUpload(ApiContext& ctx, const http::Request& head);

}  // namespace wagate::api
