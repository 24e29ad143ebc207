// Meta's webhook signature: X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, raw body)>.
#pragma once

#include <string>
#include <string_view>

namespace wagate::graph {

std::string SignatureHeaderValue(std::string_view app_secret, std::string_view body);
// Constant-time; false for a missing, malformed or wrong header.
bool VerifySignature(std::string_view header_value, std::string_view app_secret, std::string_view body);

}  // namespace wagate::graph
