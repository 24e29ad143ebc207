// Who is calling: the admin key, a tenant key, or nobody (401).
#pragma once

#include "wagate/api/api_context.hpp"
#include "wagate/http/message.hpp"

namespace wagate::api {

core::Result<tenancy::Principal> Authenticate(const ApiContext& ctx, const http::Request& req);
// Admin-only operations: 401 without a valid key, 403 for a tenant key.
core::Result<tenancy::Principal> RequireAdmin(const ApiContext& ctx, const http::Request& req);

// The caller's credentials and an outlet it may use: another tenant's outlet is "not found".
core::Result<std::shared_ptr<const tenancy::OutletCredentials>> AuthenticateForOutlet(const ApiContext& ctx,
                                                                                      const http::Request& req,
                                                                                      const std::string& outlet_id);

}  // namespace wagate::api
