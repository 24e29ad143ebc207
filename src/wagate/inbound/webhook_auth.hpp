// Who may talk to the webhook endpoint: Meta's verify-token handshake and the signature policy for
// event deliveries. The cryptography is graph/signature; this file decides whose secret must match.
#pragma once

#include <optional>
#include <set>
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

// Who a payload is about: the outlets of the phone_number_ids it names that the gateway knows (numbers
// it does not know are skipped later, part by part); or, when it names no phone_number_id at all
// (template, quality and account updates carry no metadata), every outlet of the WABAs it names.
std::vector<std::shared_ptr<const tenancy::OutletCredentials>> NamedOutlets(const tenancy::OutletRegistry& outlets,
                                                                            const graph::WebhookPayload& payload);

// A delivery is accepted when it names at least one known outlet and the body is signed with the app
// secret of at least one of them. Answers the ids of the outlets whose secret produced the signature:
// the processor applies each part only if its own outlet is among them (one tenant's secret never
// vouches for another tenant's events).
// Failures are kUnauthorized: "unknown_phone_number_id" (no known outlet named) or "invalid_signature"
// (`signature_header`, X-Hub-Signature-256, missing or matching none of them).
// The payload is parsed before it is trusted on purpose: only the body names the outlet, hence the secret.
core::Result<std::set<std::string>> AuthenticateDelivery(const tenancy::OutletRegistry& outlets,
                                                         const graph::WebhookPayload& payload,
                                                         std::string_view signature_header, std::string_view body);

}  // namespace wagate::inbound
