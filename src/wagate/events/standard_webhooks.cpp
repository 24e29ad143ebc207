#include "wagate/events/standard_webhooks.hpp"

#include "wagate/core/ids.hpp"
#include "wagate/security/base64.hpp"
#include "wagate/security/crypto.hpp"

namespace wagate::events {
namespace {

constexpr size_t kNewSecretBytes = 24;
constexpr std::string_view kVersionPrefix = "v1,";

std::string SignedContent(std::string_view msg_id, int64_t timestamp_s, std::string_view body) {
  std::string timestamp = std::to_string(timestamp_s);
  std::string content;
  content.reserve(msg_id.size() + timestamp.size() + body.size() + 2);
  content.append(msg_id).append(".").append(timestamp).append(".").append(body);
  return content;
}

}  // namespace

std::string NewSecret() {
  return std::string(kSecretPrefix) + security::Base64Encode(core::RandomBytes(kNewSecretBytes));
}

core::Result<std::string> SecretKey(std::string_view secret) {
  if (secret.starts_with(kSecretPrefix)) secret.remove_prefix(kSecretPrefix.size());
  std::optional<std::string> key = security::Base64Decode(secret);
  if (!key) return core::Error::Invalid("invalid_secret", "the secret is not base64 (after an optional whsec_ prefix)");
  if (key->size() < kMinKeyBytes || key->size() > kMaxKeyBytes) {
    return core::Error::Invalid("invalid_secret", "the secret's key must be " + std::to_string(kMinKeyBytes) + " to " +
                                                      std::to_string(kMaxKeyBytes) + " bytes, not " +
                                                      std::to_string(key->size()));
  }
  return std::move(*key);
}

std::string Signature(std::string_view key_bytes, std::string_view msg_id, int64_t timestamp_s, std::string_view body) {
  return std::string(kVersionPrefix) +
         security::Base64Encode(security::HmacSha256(key_bytes, SignedContent(msg_id, timestamp_s, body)));
}

std::string SignatureHeader(const std::vector<std::string>& keys, std::string_view msg_id, int64_t timestamp_s,
                            std::string_view body) {
  std::string content = SignedContent(msg_id, timestamp_s, body);
  std::string header;
  for (const std::string& key : keys) {
    if (!header.empty()) header.push_back(' ');
    header.append(kVersionPrefix).append(security::Base64Encode(security::HmacSha256(key, content)));
  }
  return header;
}

bool Verify(std::string_view key_bytes, std::string_view msg_id, int64_t timestamp_s, std::string_view body,
            std::string_view header) {
  std::string expected = Signature(key_bytes, msg_id, timestamp_s, body);
  bool matched = false;
  // Every candidate is compared, so the time taken does not say which one matched.
  while (!header.empty()) {
    size_t space = header.find(' ');
    std::string_view candidate = header.substr(0, space);
    header.remove_prefix(space == std::string_view::npos ? header.size() : space + 1);
    if (candidate.starts_with(kVersionPrefix) && security::ConstantTimeEquals(candidate, expected)) matched = true;
  }
  return matched;
}

}  // namespace wagate::events
