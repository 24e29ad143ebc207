#include "wagate/inbound/webhook_auth.hpp"

#include <gtest/gtest.h>

#include "wagate/graph/signature.hpp"
#include "wagate/security/secret_box.hpp"

namespace wagate::inbound {
namespace {

constexpr std::string_view kBody = R"({"object":"whatsapp_business_account","entry":[]})";

// Three outlets: A and B share WABA w1 (with different secrets), C is alone on WABA w2.
class WebhookAuthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Add("A", "pn-a", "w1", "secret-a", "token-a");
    Add("B", "pn-b", "w1", "secret-b", "token-b");
    Add("C", "pn-c", "w2", "secret-c", "token-c");
  }

  void Add(const std::string& id, const std::string& pnid, const std::string& waba, const std::string& secret,
           const std::string& verify_token) {
    store::OutletRecord r;
    r.id = id;
    r.tenant_id = "t";
    r.phone_number_id = pnid;
    r.waba_id = waba;
    r.access_token_sealed = box_.Seal("access-" + id);
    r.app_secret_sealed = box_.Seal(secret);
    r.verify_token_sealed = box_.Seal(verify_token);
    ASSERT_TRUE(outlets_.Put(r));
  }

  static graph::WebhookPayload Naming(std::set<std::string> numbers, std::set<std::string> wabas = {}) {
    graph::WebhookPayload p;
    p.phone_number_ids = std::move(numbers);
    p.waba_ids = std::move(wabas);
    return p;
  }

  static std::string SignedBy(std::string_view secret) { return graph::SignatureHeaderValue(secret, kBody); }

  // The error code of a refused delivery, or the outlets that signed an accepted one ("A,B").
  std::string Verdict(const graph::WebhookPayload& p, std::string_view signature) const {
    auto s = AuthenticateDelivery(outlets_, p, signature, kBody);
    if (!s.ok()) {
      EXPECT_EQ(s.error().kind, core::ErrorKind::kUnauthorized);
      return s.error().code;
    }
    std::string ids;
    for (const auto& id : *s) ids += (ids.empty() ? "" : ",") + id;
    return ids;
  }

  security::SecretBox box_{std::string(security::SecretBox::kKeyBytes, 'k')};
  tenancy::OutletRegistry outlets_{box_};
};

TEST_F(WebhookAuthTest, RightSecretIsAccepted) { EXPECT_EQ(Verdict(Naming({"pn-a"}), SignedBy("secret-a")), "A"); }

TEST_F(WebhookAuthTest, WrongSecretIsRefused) {
  auto s = AuthenticateDelivery(outlets_, Naming({"pn-a"}), SignedBy("secret-b"), kBody);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "invalid_signature");
  EXPECT_EQ(s.error().message, "X-Hub-Signature-256 does not match");
}

TEST_F(WebhookAuthTest, SignatureOverAnotherBodyIsRefused) {
  EXPECT_EQ(Verdict(Naming({"pn-a"}), graph::SignatureHeaderValue("secret-a", "{}")), "invalid_signature");
}

TEST_F(WebhookAuthTest, MissingSignatureIsRefused) {
  auto s = AuthenticateDelivery(outlets_, Naming({"pn-a"}), "", kBody);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "invalid_signature");
  EXPECT_EQ(s.error().message, "X-Hub-Signature-256 is missing");
}

TEST_F(WebhookAuthTest, UnknownNumberIsRefusedBeforeTheSignature) {
  auto s = AuthenticateDelivery(outlets_, Naming({"pn-x"}), "", kBody);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "unknown_phone_number_id");
  EXPECT_EQ(s.error().message, "the payload names no known outlet");
}

// Meta batches events of several numbers: the known part is taken (the processor skips the rest).
TEST_F(WebhookAuthTest, UnknownNumbersBesideKnownOnesAreLeftToTheProcessor) {
  EXPECT_EQ(Verdict(Naming({"pn-a", "pn-x"}), SignedBy("secret-a")), "A");
}

// Two outlets' events in one body: only the outlets whose secret signed it are vouched for.
TEST_F(WebhookAuthTest, MixedOwnersVouchOnlyForTheSigner) {
  EXPECT_EQ(Verdict(Naming({"pn-a", "pn-b"}), SignedBy("secret-a")), "A");
  EXPECT_EQ(Verdict(Naming({"pn-a", "pn-b"}), SignedBy("secret-b")), "B");
  EXPECT_EQ(Verdict(Naming({"pn-a", "pn-b"}), SignedBy("secret-c")), "invalid_signature");
  Add("D", "pn-d", "w3", "secret-a", "token-d");  // same app, same secret
  EXPECT_EQ(Verdict(Naming({"pn-a", "pn-d"}), SignedBy("secret-a")), "A,D");
}

// Template status updates carry no metadata: any outlet of the named WABA may have signed them.
TEST_F(WebhookAuthTest, NoMetadataFallsBackToTheWabasOutlets) {
  EXPECT_EQ(Verdict(Naming({}, {"w1"}), SignedBy("secret-a")), "A");
  EXPECT_EQ(Verdict(Naming({}, {"w1"}), SignedBy("secret-b")), "B");
  EXPECT_EQ(Verdict(Naming({}, {"w1"}), SignedBy("secret-c")), "invalid_signature");
  EXPECT_EQ(Verdict(Naming({}, {"w1", "w2"}), SignedBy("secret-c")), "C");
  EXPECT_EQ(Verdict(Naming({}, {"w1"}), ""), "invalid_signature");
}

TEST_F(WebhookAuthTest, NoKnownOutletAtAllIsRefused) {
  for (const auto& p : {Naming({}, {"w9"}), Naming({}, {})}) {
    auto s = AuthenticateDelivery(outlets_, p, SignedBy("secret-a"), kBody);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, "unknown_phone_number_id");
    EXPECT_EQ(s.error().message, "the payload names no known outlet");
  }
}

// A payload naming numbers is judged by their owners alone: its WABA ids grant nothing more.
TEST_F(WebhookAuthTest, NumbersNamedMeansNoWabaFallback) {
  EXPECT_EQ(Verdict(Naming({"pn-a"}, {"w1"}), SignedBy("secret-b")), "invalid_signature");
  EXPECT_EQ(Verdict(Naming({"pn-a"}, {"w9"}), SignedBy("secret-a")), "A");
}

TEST_F(WebhookAuthTest, RemovedOutletNoLongerAuthenticates) {
  outlets_.Remove("A");
  EXPECT_EQ(Verdict(Naming({"pn-a"}), SignedBy("secret-a")), "unknown_phone_number_id");
}

TEST_F(WebhookAuthTest, HandshakeEchoesTheChallengeForAnyOutletsToken) {
  auto echoed = AcceptHandshake(outlets_, {"subscribe", "token-b", "c-123"});
  ASSERT_TRUE(echoed.ok());
  EXPECT_EQ(*echoed, "c-123");
  EXPECT_TRUE(AcceptHandshake(outlets_, {"subscribe", "token-c", ""}).ok());  // an empty challenge is echoed
}

TEST_F(WebhookAuthTest, HandshakeRefusals) {
  const Handshake refused[] = {
      {"subscribe", "token-x", "c"},           // no outlet's token
      {"unsubscribe", "token-a", "c"},         // another mode
      {std::nullopt, "token-a", "c"},          // no mode
      {"subscribe", std::nullopt, "c"},        // no token
      {"subscribe", "", "c"},                  // an empty token never matches
      {"subscribe", "token-a", std::nullopt},  // nothing to echo
  };
  for (const auto& h : refused) {
    auto r = AcceptHandshake(outlets_, h);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().kind, core::ErrorKind::kForbidden);
    EXPECT_EQ(r.error().code, "forbidden");
    EXPECT_EQ(r.error().message, "verification failed");
  }
}

// Even an outlet whose verify token is empty does not make the empty token valid.
TEST_F(WebhookAuthTest, HandshakeEmptyTokenRefusedEvenIfAnOutletHasOne) {
  Add("E", "pn-e", "w4", "secret-e", "");
  EXPECT_FALSE(AcceptHandshake(outlets_, {"subscribe", "", "c"}).ok());
}

}  // namespace
}  // namespace wagate::inbound
