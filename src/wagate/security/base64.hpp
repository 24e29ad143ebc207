// Base64 (RFC 4648 §4, the standard alphabet) for secrets and signatures, e.g. Standard Webhooks.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace wagate::security {

// Padded with '=' to a multiple of 4 characters.
std::string Base64Encode(std::string_view bytes);
// Accepts padded or unpadded input; nullopt on a character outside the alphabet (whitespace included),
// padding anywhere but at the end, padding that does not complete a 4-character group, or a length no
// encoding has. Bits past the last whole byte are ignored (non-canonical input decodes).
std::optional<std::string> Base64Decode(std::string_view text);

}  // namespace wagate::security
