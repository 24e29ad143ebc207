// Identifiers: time-ordered, random, URL-safe ("msg_01JD…"), and secure random bytes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace wagate::core {

// prefix + 26 Crockford base32 chars: 48 bits of milliseconds then 80 random bits (ULID layout),
// so ids sort by creation time and never collide in practice.
std::string NewId(std::string_view prefix, int64_t now_ms);

// Cryptographically secure random bytes (OpenSSL RAND_bytes); aborts if the RNG fails.
std::string RandomBytes(size_t n);
std::string HexEncode(std::string_view bytes);
// Returns false on odd length or non-hex characters.
bool HexDecode(std::string_view hex, std::string* out);

}  // namespace wagate::core
