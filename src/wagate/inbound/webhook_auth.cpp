#include "wagate/inbound/webhook_auth.hpp"

#include <algorithm>
#include <memory>
#include <vector>

#include "wagate/graph/signature.hpp"

namespace wagate::inbound {
namespace {

using Outlets = std::vector<std::shared_ptr<const tenancy::OutletCredentials>>;

core::Error Unauthorized(std::string code, std::string message) {
  return core::Error{core::ErrorKind::kUnauthorized, std::move(code), std::move(message)};
}

// The outlets whose secrets may sign a payload without metadata: every outlet of the WABAs it names.
Outlets WabaOutlets(const tenancy::OutletRegistry& outlets, const graph::WebhookPayload& payload) {
  Outlets out;
  for (const auto& waba : payload.waba_ids) {
    auto list = outlets.ByWabaId(waba);
    out.insert(out.end(), list.begin(), list.end());
  }
  return out;
}

}  // namespace

core::Result<std::string> AcceptHandshake(const tenancy::OutletRegistry& outlets, const Handshake& h) {
  if (h.mode != "subscribe" || !h.verify_token || !h.challenge || h.verify_token->empty() ||
      !outlets.AnyVerifyTokenMatches(*h.verify_token)) {
    return core::Error{core::ErrorKind::kForbidden, "forbidden", "verification failed"};
  }
  return *h.challenge;
}

core::Status AuthenticateDelivery(const tenancy::OutletRegistry& outlets, const graph::WebhookPayload& payload,
                                  std::string_view signature_header, std::string_view body) {
  Outlets owners;
  for (const auto& pnid : payload.phone_number_ids) {
    auto o = outlets.ByPhoneNumberId(pnid);
    if (!o) return Unauthorized("unknown_phone_number_id", "phone_number_id " + pnid + " belongs to no outlet");
    owners.push_back(o);
  }
  // Only a payload naming no number at all falls back to its WABAs: one naming numbers is judged by them alone.
  Outlets waba_outlets = owners.empty() ? WabaOutlets(outlets, payload) : Outlets{};
  if (owners.empty() && waba_outlets.empty()) {
    return Unauthorized("unknown_phone_number_id", "the payload names no known outlet");
  }
  if (signature_header.empty()) return Unauthorized("invalid_signature", "X-Hub-Signature-256 is missing");
  auto signed_by = [&](const auto& o) { return graph::VerifySignature(signature_header, o->app_secret, body); };
  bool valid = owners.empty() ? std::any_of(waba_outlets.begin(), waba_outlets.end(), signed_by)
                              : std::all_of(owners.begin(), owners.end(), signed_by);
  if (!valid) return Unauthorized("invalid_signature", "X-Hub-Signature-256 does not match");
  return core::Ok{};
}

}  // namespace wagate::inbound
