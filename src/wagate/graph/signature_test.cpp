#include "wagate/graph/signature.hpp"

#include <gtest/gtest.h>

namespace wagate::graph {

TEST(Signature, KnownVector) {
  // HMAC-SHA256("key", "The quick brown fox jumps over the lazy dog") from RFC-style test vectors.
  EXPECT_EQ(SignatureHeaderValue("key", "The quick brown fox jumps over the lazy dog"),
            "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8");
}

TEST(Signature, AcceptsOnlyTheRightSecretAndBody) {
  std::string body = R"({"object":"whatsapp_business_account"})";
  std::string header = SignatureHeaderValue("secret", body);
  EXPECT_TRUE(VerifySignature(header, "secret", body));
  EXPECT_FALSE(VerifySignature(header, "other", body));
  EXPECT_FALSE(VerifySignature(header, "secret", body + " "));
  EXPECT_FALSE(VerifySignature("", "secret", body));
  EXPECT_FALSE(VerifySignature("sha1=abc", "secret", body));
  EXPECT_FALSE(VerifySignature(header.substr(0, header.size() - 1), "secret", body));
}

}  // namespace wagate::graph
