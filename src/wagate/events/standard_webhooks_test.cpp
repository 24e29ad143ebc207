#include "wagate/events/standard_webhooks.hpp"

#include <gtest/gtest.h>

#include <string>

#include "wagate/security/base64.hpp"

namespace wagate::events {
namespace {

// The Standard Webhooks README's example, checked independently with Python's hmac and base64.
constexpr std::string_view kSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
constexpr std::string_view kMsgId = "msg_p5jXN8AQM9LWM0D4loKWxJek";
constexpr int64_t kTimestamp = 1614265330;
constexpr std::string_view kBody = R"({"test": 2432232314})";
constexpr std::string_view kExpected = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
// A second key (32 bytes of "ABC…def"), its signature of the same message also from Python.
constexpr std::string_view kOtherSecret = "whsec_QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWY=";
constexpr std::string_view kOtherExpected = "v1,sOtUERDF9iliBwwjbtb5x75vJ65Xi/9XY+/N6V7/eQE=";

std::string Key(std::string_view secret) {
  auto key = SecretKey(secret);
  EXPECT_TRUE(key.ok()) << key.error().message;
  return key.ok() ? key.value() : std::string();
}

TEST(StandardWebhooks, SignsTheSpecsExample) {
  EXPECT_EQ(Signature(Key(kSecret), kMsgId, kTimestamp, kBody), kExpected);
  EXPECT_EQ(Signature(Key(kOtherSecret), kMsgId, kTimestamp, kBody), kOtherExpected);
}

TEST(StandardWebhooks, TheSecretsPrefixIsOptional) {
  EXPECT_EQ(Key(kSecret), Key(kSecret.substr(kSecretPrefix.size())));
  EXPECT_EQ(Key(kSecret).size(), 24u);
}

TEST(StandardWebhooks, RotationSignsWithEveryKeyInOrder) {
  std::vector<std::string> keys = {Key(kSecret), Key(kOtherSecret)};
  std::string header = SignatureHeader(keys, kMsgId, kTimestamp, kBody);
  EXPECT_EQ(header, std::string(kExpected) + " " + std::string(kOtherExpected));
  EXPECT_TRUE(Verify(keys[0], kMsgId, kTimestamp, kBody, header));
  EXPECT_TRUE(Verify(keys[1], kMsgId, kTimestamp, kBody, header));
  EXPECT_EQ(SignatureHeader({keys[0]}, kMsgId, kTimestamp, kBody), kExpected);
  EXPECT_EQ(SignatureHeader({}, kMsgId, kTimestamp, kBody), "");
}

TEST(StandardWebhooks, VerifyRefusesAnyChange) {
  std::string key = Key(kSecret);
  EXPECT_TRUE(Verify(key, kMsgId, kTimestamp, kBody, kExpected));
  EXPECT_FALSE(Verify(key, kMsgId, kTimestamp, R"({"test": 2432232315})", kExpected));
  EXPECT_FALSE(Verify(key, kMsgId, kTimestamp + 1, kBody, kExpected));
  EXPECT_FALSE(Verify(key, "msg_other", kTimestamp, kBody, kExpected));
  EXPECT_FALSE(Verify(Key(kOtherSecret), kMsgId, kTimestamp, kBody, kExpected));
  EXPECT_FALSE(Verify(key, kMsgId, kTimestamp, kBody, ""));
  EXPECT_FALSE(Verify(key, kMsgId, kTimestamp, kBody, "v1,"));
  EXPECT_FALSE(Verify(key, kMsgId, kTimestamp, kBody, std::string(kExpected).substr(0, kExpected.size() - 1)));
}

TEST(StandardWebhooks, VerifyFindsItsSignatureAmongOthers) {
  std::string key = Key(kSecret);
  std::string v2 = "v2," + std::string(kExpected.substr(3));  // the same bytes under another version: skipped
  EXPECT_FALSE(Verify(key, kMsgId, kTimestamp, kBody, v2));
  EXPECT_TRUE(Verify(key, kMsgId, kTimestamp, kBody, v2 + " " + std::string(kExpected)));
  EXPECT_TRUE(Verify(key, kMsgId, kTimestamp, kBody, std::string(kOtherExpected) + "  " + std::string(kExpected)));
}

TEST(StandardWebhooks, NewSecretsAreRandom24ByteKeys) {
  std::string a = NewSecret();
  std::string b = NewSecret();
  EXPECT_NE(a, b);
  ASSERT_TRUE(a.starts_with(kSecretPrefix));
  EXPECT_EQ(Key(a).size(), 24u);
  EXPECT_EQ(a.size(), kSecretPrefix.size() + 32);  // 24 bytes are 32 base64 characters, no padding
}

TEST(StandardWebhooks, SecretKeyRefusesBadSecrets) {
  auto expect_invalid = [](std::string_view secret) {
    auto key = SecretKey(secret);
    ASSERT_FALSE(key.ok()) << secret;
    EXPECT_EQ(key.error().kind, core::ErrorKind::kInvalidInput);
    EXPECT_EQ(key.error().code, "invalid_secret");
  };
  expect_invalid("");
  expect_invalid("whsec_");
  expect_invalid("whsec_not base64!");
  expect_invalid("whsec_" + security::Base64Encode(std::string(kMinKeyBytes - 1, 'k')));
  expect_invalid("whsec_" + security::Base64Encode(std::string(kMaxKeyBytes + 1, 'k')));
  EXPECT_TRUE(SecretKey("whsec_" + security::Base64Encode(std::string(kMinKeyBytes, 'k'))).ok());
  EXPECT_TRUE(SecretKey("whsec_" + security::Base64Encode(std::string(kMaxKeyBytes, 'k'))).ok());
}

}  // namespace
}  // namespace wagate::events
