#include "wagate/security/secret_box.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <memory>
#include <sstream>

#include "wagate/core/ids.hpp"

namespace wagate::security {
namespace {
constexpr size_t kNonceBytes = 12;
constexpr size_t kTagBytes = 16;
constexpr std::string_view kVersion = "v1:";
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;
const unsigned char* U(const char* p) { return reinterpret_cast<const unsigned char*>(p); }
unsigned char* U(char* p) { return reinterpret_cast<unsigned char*>(p); }
}  // namespace

SecretBox::SecretBox(std::string key) : key_(std::move(key)) {}

std::string SecretBox::Seal(std::string_view plaintext) const {
  std::string nonce = core::RandomBytes(kNonceBytes);
  std::string out(plaintext.size() + kTagBytes, '\0');
  CipherCtx ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  int len = 0, total = 0;
  EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, U(key_.data()), U(nonce.data()));
  EVP_EncryptUpdate(ctx.get(), U(out.data()), &len, U(plaintext.data()), static_cast<int>(plaintext.size()));
  total = len;
  EVP_EncryptFinal_ex(ctx.get(), U(out.data()) + total, &len);
  total += len;
  EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes, U(out.data()) + total);
  out.resize(total + kTagBytes);
  return std::string(kVersion) + core::HexEncode(nonce + out);
}

std::optional<std::string> SecretBox::Open(std::string_view sealed) const {
  if (sealed.substr(0, kVersion.size()) != kVersion) return std::nullopt;
  std::string raw;
  if (!core::HexDecode(sealed.substr(kVersion.size()), &raw)) return std::nullopt;
  if (raw.size() < kNonceBytes + kTagBytes) return std::nullopt;
  std::string nonce = raw.substr(0, kNonceBytes);
  std::string tag = raw.substr(raw.size() - kTagBytes);
  std::string cipher = raw.substr(kNonceBytes, raw.size() - kNonceBytes - kTagBytes);
  std::string plain(cipher.size(), '\0');
  CipherCtx ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  int len = 0;
  EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, U(key_.data()), U(nonce.data()));
  EVP_DecryptUpdate(ctx.get(), U(plain.data()), &len, U(cipher.data()), static_cast<int>(cipher.size()));
  EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, tag.data());
  int final_len = 0;
  if (EVP_DecryptFinal_ex(ctx.get(), U(plain.data()) + len, &final_len) != 1) return std::nullopt;
  plain.resize(len + final_len);
  return plain;
}

core::Result<std::string> LoadOrCreateMasterKey(const std::string& configured_hex, const std::string& data_dir) {
  std::string key;
  if (!configured_hex.empty()) {
    if (!core::HexDecode(configured_hex, &key) || key.size() != SecretBox::kKeyBytes) {
      return core::Error::Invalid("invalid_config", "master_key must be 64 hexadecimal characters (32 bytes)");
    }
    return key;
  }
  std::string path = data_dir + "/master.key";
  std::ifstream in(path);
  if (in) {
    std::stringstream ss;
    ss << in.rdbuf();
    std::string hex = ss.str();
    while (!hex.empty() && (hex.back() == '\n' || hex.back() == ' ')) hex.pop_back();
    if (!core::HexDecode(hex, &key) || key.size() != SecretBox::kKeyBytes) {
      return core::Error::Internal(path + " does not hold a 64-hex-character key");
    }
    return key;
  }
  key = core::RandomBytes(SecretBox::kKeyBytes);
  std::string hex = core::HexEncode(key) + "\n";
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0) return core::Error::Internal("cannot create " + path);
  bool ok = ::write(fd, hex.data(), hex.size()) == static_cast<ssize_t>(hex.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) return core::Error::Internal("cannot write " + path);
  return key;
}

}  // namespace wagate::security
