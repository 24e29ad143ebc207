// Who is calling: the admin key, a tenant key, or nobody (401).
#pragma once

#include "wagate/api/api_context.hpp"
#include "wagate/http/message.hpp"

namespace wagate::api {

core::Result<tenancy::Principal> Authenticate(const ApiContext& ctx, const http::Request& req);
// Admin-only operations: 401 without a valid key, 403 for a tenant key.
core::Result<tenancy::Principal> RequireAdmin(const ApiContext& ctx, const http::Request& req);

}  // namespace wagate::api
