// Signing outgoing events per the Standard Webhooks spec (standardwebhooks.com, as the npm package
// `standardwebhooks` implements it): secrets "whsec_" + base64, signatures "v1," + base64 HMAC-SHA256.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "wagate/core/result.hpp"

namespace wagate::events {

// The headers a signed request carries (the spec's names; HTTP header names are case-insensitive).
inline constexpr std::string_view kIdHeader = "webhook-id";
inline constexpr std::string_view kTimestampHeader = "webhook-timestamp";  // Unix seconds
inline constexpr std::string_view kSignatureHeader = "webhook-signature";

inline constexpr std::string_view kSecretPrefix = "whsec_";
// Key sizes SecretKey accepts. The spec asks for 24 to 64 random bytes (192 to 512 bits) and
// NewSecret makes 24; 16 (128 bits) is still accepted so that secrets made elsewhere at that size work.
// Past 64 bytes HMAC-SHA256 hashes the key first, which adds nothing.
inline constexpr size_t kMinKeyBytes = 16;
inline constexpr size_t kMaxKeyBytes = 64;

// "whsec_" + base64 of 24 bytes from OpenSSL's RAND_bytes.
std::string NewSecret();

// The raw key of a secret: an optional "whsec_" prefix stripped, the rest base64-decoded. Error
// kInvalidInput "invalid_secret" when it is not base64 or the key is outside [kMinKeyBytes, kMaxKeyBytes].
core::Result<std::string> SecretKey(std::string_view secret);

// "v1," + base64(HMAC-SHA256(key, "{msg_id}.{timestamp_s}.{body}")).
std::string Signature(std::string_view key_bytes, std::string_view msg_id, int64_t timestamp_s, std::string_view body);

// The webhook-signature value: one signature per key, joined by a single space (several while a
// secret rotation overlaps, so receivers holding either secret accept the message).
std::string SignatureHeader(const std::vector<std::string>& keys, std::string_view msg_id, int64_t timestamp_s,
                            std::string_view body);

// True when any space-separated "v1," signature of `header` matches the key (constant-time per
// signature); other versions are skipped. The timestamp's freshness is the receiver's own check.
bool Verify(std::string_view key_bytes, std::string_view msg_id, int64_t timestamp_s, std::string_view body,
            std::string_view header);

}  // namespace wagate::events
