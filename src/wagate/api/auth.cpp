#include "wagate/api/auth.hpp"

namespace wagate::api {

core::Result<tenancy::Principal> Authenticate(const ApiContext& ctx, const http::Request& req) {
  auto who = ctx.keys.Authenticate(req.Header("authorization"));
  if (!who) {
    return core::Error{core::ErrorKind::kUnauthorized, "unauthorized",
                       "a valid API key is required (Authorization: Bearer <key>)"};
  }
  return *who;
}

core::Result<tenancy::Principal> RequireAdmin(const ApiContext& ctx, const http::Request& req) {
  auto who = Authenticate(ctx, req);
  if (!who) return who;
  if (!who->is_admin)
    return core::Error{core::ErrorKind::kForbidden, "forbidden", "this operation needs the admin key"};
  return who;
}

core::Result<std::shared_ptr<const tenancy::OutletCredentials>> AuthenticateForOutlet(const ApiContext& ctx,
                                                                                      const http::Request& req,
                                                                                      const std::string& outlet_id) {
  auto who = Authenticate(ctx, req);
  if (!who) return who.error();
  if (outlet_id.empty()) return core::Error::InvalidField("outlet_id", "is required");
  auto outlet = ctx.outlets.ById(outlet_id);
  if (!outlet || !who->CanSee(outlet->tenant_id)) return core::Error::NotFound("outlet");
  return outlet;
}

}  // namespace wagate::api
