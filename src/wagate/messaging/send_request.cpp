#include "wagate/messaging/send_request.hpp"

#include <algorithm>

#include "wagate/content/message_content.hpp"
#include "wagate/core/json/object_reader.hpp"
#include "wagate/core/phone.hpp"
#include "wagate/core/time_format.hpp"
#include "wagate/security/crypto.hpp"

namespace wagate::messaging {
namespace {

using Json = nlohmann::json;

// A member a send does not know is refused, naming it: a typo (`mesage_type`, `recipient`) or a
// content member for another type (a `template` object beside a text message) would otherwise be
// dropped silently and the message sent other than the caller meant.
core::Status RefuseUnknownMembers(const Json& body, const std::string& message_type,
                                  const std::set<std::string>& extra_members) {
  static const std::set<std::string> kMembers = {"tenant_id", "outlet_id", "conversation_id", "to",
                                                 "async",     "priority",  "message_type",    "message",
                                                 "context",   "ttl_s",     "expires_at"};
  for (const auto& [name, value] : body.items()) {
    if (kMembers.count(name) || extra_members.count(name) || name == message_type) continue;
    return core::Error::InvalidField(name, "is not allowed in a send request with message_type " + message_type);
  }
  return core::Ok{};
}

}  // namespace

bool ValidIdempotencyKey(std::string_view key) {
  bool printable = std::all_of(key.begin(), key.end(), [](unsigned char c) { return c > 32 && c < 127; });
  return !key.empty() && key.size() <= 255 && printable;
}

core::Result<ParsedSend> ParseSendRequest(const tenancy::Principal& who, const Json& body,
                                          const IdempotencyInput& idempotency,
                                          const std::set<std::string>& extra_members) {
  core::FieldErrors errors;
  core::ObjectReader f(body, "", errors);
  ParsedSend p;
  auto tenant_id = f.String("tenant_id", who.is_admin, 64, 1);
  p.cmd.outlet_id = f.String("outlet_id", true, 64, 1).value_or("");
  p.cmd.conversation_id = f.String("conversation_id", false, 256, 0);
  if (!f.ok()) return f.error();
  auto content = content::ParseMessageContent(body);
  if (!content) return content.error();
  p.cmd.content = std::move(*content);
  if (core::Status known = RefuseUnknownMembers(body, p.cmd.content.type, extra_members); !known.ok()) {
    return known.error();
  }
  // mark_read names the message, not the customer: `to` is optional there.
  auto to = f.String("to", p.cmd.content.needs_recipient, 64, 1);
  p.async = f.Bool("async").value_or(false);
  std::string priority = f.String("priority", false, 32, 0).value_or("transactional");
  if (f.ok() && priority != "transactional" && priority != "bulk") {
    f.Fail("priority", "must be \"transactional\" or \"bulk\"");
  }
  p.cmd.priority = priority == "bulk" ? engine::Priority::kBulk : engine::Priority::kTransactional;
  // Validity, like an SMS validity period: never sent after it (failed, reason expired).
  auto ttl_s = f.Int("ttl_s", false, 1, 30 * 86400);
  auto expires_at = f.String("expires_at", false, 64, 1);
  if (f.ok() && ttl_s && expires_at) f.Fail("ttl_s", "cannot be given with expires_at (choose one)");
  if (f.ok() && expires_at) {
    p.cmd.expires_at = core::ParseIso8601(*expires_at);
    if (!p.cmd.expires_at) f.Fail("expires_at", "must be an ISO 8601 time, e.g. 2026-12-24T09:00:00Z");
  }
  if (!f.ok()) return f.error();
  p.cmd.ttl_s = ttl_s;
  if (idempotency.key) {
    p.cmd.idempotency_key = *idempotency.key;
    p.cmd.request_hash = security::Sha256Hex(idempotency.request_bytes);
  }
  p.cmd.tenant_id = tenant_id.value_or(who.tenant_id);
  if (to) {
    auto e164 = core::NormalizePhoneNumber(*to);
    if (!e164) {
      core::Error e = core::Error::Invalid("invalid_phone_number",
                                           "field 'to' is not a valid phone number: use the international format "
                                           "with the country code, e.g. +628123456789");
      e.field = "to";
      return e;
    }
    p.cmd.to = *e164;
  }
  return p;
}

}  // namespace wagate::messaging
