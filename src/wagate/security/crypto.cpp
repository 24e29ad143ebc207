#include "wagate/security/crypto.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/sha.h>

#include <stdexcept>

#include "wagate/core/ids.hpp"

namespace wagate::security {

namespace {

// OpenSSL 3's one-shot HMAC() looks the algorithm up and builds a context on every call, which costs
// more than hashing a webhook body (every signed webhook, in and out, is one call). So each thread
// keeps one HMAC-SHA256 context and re-keys it per call. Between calls it keeps the last key (an app
// secret, which the process holds in memory anyway); it is cleansed when the thread ends.
class HmacContext final {
 public:
  HmacContext() {
    mac_ = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    if (mac_ != nullptr) ctx_ = EVP_MAC_CTX_new(mac_);
    char digest[] = "SHA256";
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                           OSSL_PARAM_construct_end()};
    if (ctx_ == nullptr || EVP_MAC_CTX_set_params(ctx_, params) != 1) {
      Free();
      throw std::runtime_error("OpenSSL has no HMAC-SHA256");
    }
  }
  ~HmacContext() { Free(); }
  HmacContext(const HmacContext&) = delete;
  HmacContext& operator=(const HmacContext&) = delete;

  std::string Sign(std::string_view key, std::string_view data) {
    // A null key would tell EVP_MAC_init to keep the previous call's key: an empty key must be empty.
    static const unsigned char kNoKey = 0;
    const auto* key_bytes = key.empty() ? &kNoKey : reinterpret_cast<const unsigned char*>(key.data());
    unsigned char out[EVP_MAX_MD_SIZE];
    size_t len = 0;
    if (EVP_MAC_init(ctx_, key_bytes, key.size(), nullptr) != 1 ||
        EVP_MAC_update(ctx_, reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1 ||
        EVP_MAC_final(ctx_, out, &len, sizeof out) != 1) {
      throw std::runtime_error("HMAC-SHA256 failed");
    }
    return std::string(reinterpret_cast<char*>(out), len);
  }

 private:
  void Free() {
    EVP_MAC_CTX_free(ctx_);  // cleanses the keyed state
    EVP_MAC_free(mac_);
  }
  EVP_MAC* mac_ = nullptr;
  EVP_MAC_CTX* ctx_ = nullptr;
};

}  // namespace

std::string HmacSha256(std::string_view key, std::string_view data) {
  thread_local HmacContext context;
  return context.Sign(key, data);
}

std::string HmacSha256Hex(std::string_view key, std::string_view data) {
  return core::HexEncode(HmacSha256(key, data));
}

std::string Sha256Hex(std::string_view data) {
  unsigned char out[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), out);
  return core::HexEncode(std::string_view(reinterpret_cast<char*>(out), sizeof out));
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string MaskSecret(std::string_view secret) {
  if (secret.size() < 12) return "****";
  return "****" + std::string(secret.substr(secret.size() - 4));
}

}  // namespace wagate::security
