#include "wagate/graph/signature.hpp"

#include "wagate/security/crypto.hpp"

namespace wagate::graph {

std::string SignatureHeaderValue(std::string_view app_secret, std::string_view body) {
  return "sha256=" + security::HmacSha256Hex(app_secret, body);
}

bool VerifySignature(std::string_view header_value, std::string_view app_secret, std::string_view body) {
  constexpr std::string_view kPrefix = "sha256=";
  if (header_value.substr(0, kPrefix.size()) != kPrefix) return false;
  std::string_view given = header_value.substr(kPrefix.size());
  std::string expected = security::HmacSha256Hex(app_secret, body);
  std::string lowered(given);
  for (char& c : lowered) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return security::ConstantTimeEquals(lowered, expected);
}

}  // namespace wagate::graph
