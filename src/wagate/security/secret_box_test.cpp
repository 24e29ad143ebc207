#include "wagate/security/secret_box.hpp"

#include <gtest/gtest.h>

#include "wagate/core/ids.hpp"
#include "wagate/security/crypto.hpp"

namespace wagate::security {

TEST(SecretBox, SealsAndOpensWithTheSameKeyOnly) {
  SecretBox box(std::string(32, 'k'));
  std::string sealed = box.Seal("EAAG-secret-token");
  EXPECT_EQ(sealed.find("EAAG"), std::string::npos);
  EXPECT_NE(sealed, box.Seal("EAAG-secret-token"));  // fresh nonce each time
  EXPECT_EQ(box.Open(sealed), "EAAG-secret-token");
  SecretBox other(std::string(32, 'x'));
  EXPECT_FALSE(other.Open(sealed).has_value());
}

TEST(SecretBox, DetectsTampering) {
  SecretBox box(std::string(32, 'k'));
  std::string sealed = box.Seal("token");
  sealed[sealed.size() - 3] = sealed[sealed.size() - 3] == 'a' ? 'b' : 'a';
  EXPECT_FALSE(box.Open(sealed).has_value());
  EXPECT_FALSE(box.Open("v1:zz").has_value());
  EXPECT_FALSE(box.Open("garbage").has_value());
}

TEST(SecretBox, MasterKeyFromConfigMustBe64Hex) {
  EXPECT_FALSE(LoadOrCreateMasterKey("abc", "/nonexistent").ok());
  auto ok = LoadOrCreateMasterKey(std::string(64, 'a'), "/nonexistent");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->size(), 32u);
}

TEST(Crypto, MaskNeverShowsShortSecrets) {
  EXPECT_EQ(MaskSecret("short"), "****");
  EXPECT_EQ(MaskSecret("EAAGabcdefgh1234"), "****1234");
}

}  // namespace wagate::security
