#include "wagate/security/crypto.hpp"

#include <gtest/gtest.h>

#include <string>
#include <thread>

namespace wagate::security {
namespace {

// RFC 4231's test vectors, and the empty key and message (a well-known value).
TEST(CryptoTest, HmacSha256MatchesTheRfcVectors) {
  EXPECT_EQ(HmacSha256Hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(HmacSha256Hex(std::string(20, '\x0b'), "Hi There"),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  // A key longer than SHA-256's block is hashed first.
  EXPECT_EQ(HmacSha256Hex(std::string(131, '\xaa'), "Test Using Larger Than Block-Size Key - Hash Key First"),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  EXPECT_EQ(HmacSha256Hex("", ""), "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
  EXPECT_EQ(HmacSha256("Jefe", "what do ya want for nothing?").size(), 32u);
}

// Each thread re-keys one context per call: no call may sign with the key of the one before it,
// including an empty key after a real one (a null key would keep the old one in OpenSSL).
TEST(CryptoTest, HmacSha256UsesEachCallsOwnKey) {
  std::string jefe = HmacSha256Hex("Jefe", "what do ya want for nothing?");
  EXPECT_EQ(HmacSha256Hex(std::string_view(), ""), "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
  EXPECT_EQ(HmacSha256Hex("Jefe", "what do ya want for nothing?"), jefe);
  EXPECT_NE(HmacSha256Hex("Jeff", "what do ya want for nothing?"), jefe);
  std::string other;
  std::thread t([&] { other = HmacSha256Hex("Jefe", "what do ya want for nothing?"); });
  t.join();
  EXPECT_EQ(other, jefe);
}

}  // namespace
}  // namespace wagate::security
