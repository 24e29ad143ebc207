// A send request's JSON body (the HTTP API's, a broker command's, or a pre-send hook's changed message)
// read into a SendCommand: the one place where a send's members, their limits and the recipient's
// number are checked, whatever the message came in through. Knows nothing of HTTP or AMQP.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "wagate/core/result.hpp"
#include "wagate/messaging/send_service.hpp"
#include "wagate/tenancy/key_registry.hpp"

namespace wagate::messaging {

struct ParsedSend {
  SendCommand cmd;
  bool async = false;
};

// How the caller asked for idempotency: the key (an HTTP Idempotency-Key header, a broker command's
// `idempotency_key` or AMQP message id) and the bytes whose hash tells a retry from another request.
struct IdempotencyInput {
  std::optional<std::string> key;
  std::string_view request_bytes;
};

// 1-255 visible ASCII characters.
bool ValidIdempotencyKey(std::string_view key);

// `extra_members`: members the transport reads itself (a broker command's `tenant_key`), allowed
// beside a send's own; any other unknown member is refused by name.
core::Result<ParsedSend> ParseSendRequest(const tenancy::Principal& who, const nlohmann::json& body,
                                          const IdempotencyInput& idempotency,
                                          const std::set<std::string>& extra_members = {});

}  // namespace wagate::messaging
