#include "wagate/inbound/webhook_auth.hpp"

#include <map>
#include <memory>
#include <vector>

#include "wagate/graph/signature.hpp"

namespace wagate::inbound {
namespace {

core::Error Unauthorized(std::string code, std::string message) {
  return core::Error{core::ErrorKind::kUnauthorized, std::move(code), std::move(message)};
}

}  // namespace

core::Result<std::string> AcceptHandshake(const tenancy::OutletRegistry& outlets, const Handshake& h) {
  if (h.mode != "subscribe" || !h.verify_token || !h.challenge || h.verify_token->empty() ||
      !outlets.AnyVerifyTokenMatches(*h.verify_token)) {
    return core::Error{core::ErrorKind::kForbidden, "forbidden", "verification failed"};
  }
  return *h.challenge;
}

std::vector<std::shared_ptr<const tenancy::OutletCredentials>> NamedOutlets(const tenancy::OutletRegistry& outlets,
                                                                            const graph::WebhookPayload& payload) {
  std::vector<std::shared_ptr<const tenancy::OutletCredentials>> out;
  for (const auto& pnid : payload.phone_number_ids) {
    if (auto o = outlets.ByPhoneNumberId(pnid)) out.push_back(std::move(o));
  }
  if (!payload.phone_number_ids.empty()) return out;  // one naming numbers is judged by them alone
  for (const auto& waba : payload.waba_ids) {
    auto list = outlets.ByWabaId(waba);
    out.insert(out.end(), list.begin(), list.end());
  }
  return out;
}

core::Result<std::set<std::string>> AuthenticateDelivery(const tenancy::OutletRegistry& outlets,
                                                         const graph::WebhookPayload& payload,
                                                         std::string_view signature_header, std::string_view body) {
  auto named = NamedOutlets(outlets, payload);
  if (named.empty()) return Unauthorized("unknown_phone_number_id", "the payload names no known outlet");
  if (signature_header.empty()) return Unauthorized("invalid_signature", "X-Hub-Signature-256 is missing");
  std::map<std::string, bool> by_secret;  // outlets of one Meta app share a secret: one HMAC each
  std::set<std::string> signed_by;
  for (const auto& o : named) {
    auto [it, fresh] = by_secret.try_emplace(o->app_secret, false);
    if (fresh) it->second = graph::VerifySignature(signature_header, o->app_secret, body);
    if (it->second) signed_by.insert(o->id);
  }
  if (signed_by.empty()) return Unauthorized("invalid_signature", "X-Hub-Signature-256 does not match");
  return signed_by;
}

}  // namespace wagate::inbound
