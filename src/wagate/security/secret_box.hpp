// Encryption of secrets at rest (outlet tokens, app secrets): AES-256-GCM with a master key.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "wagate/core/result.hpp"

namespace wagate::security {

// Immutable after construction; safe to share between threads.
class SecretBox final {
 public:
  static constexpr size_t kKeyBytes = 32;
  explicit SecretBox(std::string key);  // key: 32 raw bytes

  // Output: "v1:" + hex(nonce 12 | ciphertext | tag 16). A fresh random nonce per call.
  std::string Seal(std::string_view plaintext) const;
  // nullopt when the data was tampered with or sealed with another key.
  std::optional<std::string> Open(std::string_view sealed) const;

 private:
  std::string key_;
};

// The master key: from `configured_hex` (64 hex chars) when given, else read from (or generated into,
// mode 0600) `<data_dir>/master.key`. Errors name what is wrong.
core::Result<std::string> LoadOrCreateMasterKey(const std::string& configured_hex, const std::string& data_dir);

}  // namespace wagate::security
