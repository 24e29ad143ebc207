// Who may talk to the webhook endpoint: Meta's verify-token handshake and the signature policy for
// event deliveries. The cryptography is graph/signature; this file decides whose secret must match.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "wagate/core/result.hpp"
#include "wagate/graph/webhook_payload.hpp"
#include "wagate/tenancy/outlet_registry.hpp"

// Free functions without state of their own: safe from any thread (the registry locks itself).
namespace wagate::inbound {

// The query of Meta's subscription handshake (GET ?hub.mode=subscribe&hub.verify_token=T&hub.challenge=C).
struct Handshake {
  std::optional<std::string> mode;
  std::optional<std::string> verify_token;
  std::optional<std::string> challenge;
};

// The challenge to echo when the mode is "subscribe" and the token is some outlet's verify token
// (compared in constant time); otherwise kForbidden "forbidden".
core::Result<std::string> AcceptHandshake(const tenancy::OutletRegistry& outlets, const Handshake& handshake);

// A delivery is accepted only when
//  - every phone_number_id the payload names belongs to an outlet, and the body is signed with the
//    app secret of each of those outlets (all of them: one outlet's secret never vouches for
//    another's events);
//  - or, when it names no phone_number_id at all (template status updates carry no metadata), the
//    body is signed with the app secret of any outlet of a WABA it names.
// Failures are kUnauthorized: "unknown_phone_number_id" (an unknown number, or no known outlet at
// all) or "invalid_signature" (`signature_header`, X-Hub-Signature-256, missing or not matching).
// The payload is parsed before it is trusted on purpose: only the body names the outlet, hence the secret.
core::Status AuthenticateDelivery(const tenancy::OutletRegistry& outlets, const graph::WebhookPayload& payload,
                                  std::string_view signature_header, std::string_view body);

}  // namespace wagate::inbound
