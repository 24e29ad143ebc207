// Cryptographic primitives (OpenSSL): HMAC and hashes, constant-time compare, secret masking.
#pragma once

#include <string>
#include <string_view>

namespace wagate::security {

std::string HmacSha256(std::string_view key, std::string_view data);     // raw 32 bytes
std::string HmacSha256Hex(std::string_view key, std::string_view data);  // lowercase hex
std::string Sha256Hex(std::string_view data);
// Compares in time independent of where the inputs differ (signatures, keys).
bool ConstantTimeEquals(std::string_view a, std::string_view b);
// "****" + last 4 characters (nothing of a secret shorter than 12 characters).
std::string MaskSecret(std::string_view secret);

}  // namespace wagate::security
