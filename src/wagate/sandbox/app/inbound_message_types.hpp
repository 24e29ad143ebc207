// What a simulated customer's message carries besides text and media (cloud-api.md §4.4, §4.5): the checks
// of POST /_sandbox/inbound's per-type objects, `context` and `referral`, and the members they add to
// Meta's message object.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "wagate/core/result.hpp"

namespace wagate::sandbox {

// image, video, audio, document, sticker: their object describes media the sandbox stores.
bool IsInboundMediaType(std::string_view type);

// Why `type` cannot be an inbound message type, or nullopt when it can: Meta's types, or any other
// lowercase word (a-z, then a-z, 0-9 or _, at most 32) that names no member of the message object or of
// the request. Unknown words are delivered as they are, so gateways meet types they do not know.
std::optional<std::string> InboundTypeProblem(std::string_view type);

// The members the request adds to Meta's message object besides from/id/timestamp/type and the text or
// media object: the object of any other type, under the type's name (for unsupported, with Meta's
// `errors`); `context` (an `id` without `from` gets `business_display_number`); `referral`. An empty
// object when there are none; the first invalid field (invalid_field, naming it) otherwise.
core::Result<nlohmann::json> ReadMessageExtras(const nlohmann::json& request, const std::string& type,
                                               const std::string& business_display_number);

// Meta's stand-in for customer media it could not download (cloud-api.md §2.3, 131052): the message is
// delivered as type `unsupported` with `"unsupported":{"type":<media_type>}` and
// `"errors":[{"code":131052,"title":"Media download error","message":"Media download error",
// "error_data":{"details":…}}]`; these two members are set in `extras` (the others are kept).
void MarkMediaUndownloadable(const std::string& media_type, const std::string& details, nlohmann::json* extras);

}  // namespace wagate::sandbox
