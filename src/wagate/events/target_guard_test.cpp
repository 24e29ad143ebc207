#include "wagate/events/target_guard.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>

#include <string>

namespace wagate::events {
namespace {

TEST(TargetGuard, ForbidsInternalIpv4Ranges) {
  for (const char* ip : {"127.0.0.1",       "127.255.255.254", "0.0.0.0",        "0.1.2.3",     "10.0.0.1",
                         "10.255.255.255",  "172.16.0.1",      "172.31.255.255", "192.168.1.1", "100.64.0.1",
                         "100.127.255.255", "169.254.169.254", "169.254.0.1",    "224.0.0.1",   "239.255.255.250",
                         "255.255.255.255", "240.0.0.1",       "192.0.0.170",    "198.18.0.1",  "198.19.255.255"}) {
    EXPECT_TRUE(IsForbiddenAddress(std::string_view(ip))) << ip;
  }
}

TEST(TargetGuard, AllowsPublicIpv4) {
  for (const char* ip : {"8.8.8.8", "1.1.1.1", "93.184.216.34", "172.15.255.255", "172.32.0.1", "100.63.255.255",
                         "100.128.0.1", "169.253.255.255", "192.0.1.1", "198.17.255.255", "198.20.0.1",
                         "223.255.255.255", "11.0.0.1", "126.255.255.255", "128.0.0.1"}) {
    EXPECT_FALSE(IsForbiddenAddress(std::string_view(ip))) << ip;
  }
}

TEST(TargetGuard, ForbidsInternalIpv6Ranges) {
  for (const char* ip : {"::1", "::", "[::1]", "fe80::1", "febf::1", "fec0::1", "fc00::1", "fd00:ec2::254",
                         "fdff:ffff::1", "ff02::1", "ff05::2", "64:ff9b:1::1"}) {
    EXPECT_TRUE(IsForbiddenAddress(std::string_view(ip))) << ip;
  }
}

TEST(TargetGuard, JudgesIpv6FormsOfIpv4ByTheirIpv4Part) {
  for (const char* ip :
       {"::ffff:127.0.0.1", "::ffff:169.254.169.254", "::ffff:10.0.0.1", "::127.0.0.1", "::ffff:0:192.168.0.1",
        "64:ff9b::127.0.0.1", "64:ff9b::a9fe:a9fe", "2002:7f00:1::", "2002:a9fe:a9fe::1"}) {
    EXPECT_TRUE(IsForbiddenAddress(std::string_view(ip))) << ip;
  }
  for (const char* ip : {"::ffff:8.8.8.8", "::8.8.8.8", "64:ff9b::8.8.8.8", "2002:808:808::1"}) {
    EXPECT_FALSE(IsForbiddenAddress(std::string_view(ip))) << ip;
  }
}

TEST(TargetGuard, AllowsPublicIpv6) {
  for (const char* ip : {"2001:4860:4860::8888", "2001:4860::8888", "2606:4700:4700::1111", "2a00:1450:4001::1"}) {
    EXPECT_FALSE(IsForbiddenAddress(std::string_view(ip))) << ip;
  }
}

TEST(TargetGuard, WhatIsNotAnIpLiteralIsForbidden) {
  EXPECT_TRUE(IsForbiddenAddress(std::string_view("example.com")));
  EXPECT_TRUE(IsForbiddenAddress(std::string_view("")));
  EXPECT_TRUE(IsForbiddenAddress(std::string_view("0x7f.1")));  // inet_pton is strict: no shorthand
}

TEST(TargetGuard, JudgesSocketAddresses) {
  sockaddr_in v4{};
  v4.sin_family = AF_INET;
  ASSERT_EQ(inet_pton(AF_INET, "169.254.169.254", &v4.sin_addr), 1);
  EXPECT_TRUE(IsForbiddenAddress(reinterpret_cast<const sockaddr*>(&v4)));
  ASSERT_EQ(inet_pton(AF_INET, "8.8.8.8", &v4.sin_addr), 1);
  EXPECT_FALSE(IsForbiddenAddress(reinterpret_cast<const sockaddr*>(&v4)));

  sockaddr_in6 v6{};
  v6.sin6_family = AF_INET6;
  ASSERT_EQ(inet_pton(AF_INET6, "fd00:ec2::254", &v6.sin6_addr), 1);
  EXPECT_TRUE(IsForbiddenAddress(reinterpret_cast<const sockaddr*>(&v6)));
  ASSERT_EQ(inet_pton(AF_INET6, "2001:4860::8888", &v6.sin6_addr), 1);
  EXPECT_FALSE(IsForbiddenAddress(reinterpret_cast<const sockaddr*>(&v6)));

  sockaddr other{};
  other.sa_family = AF_UNIX;
  EXPECT_TRUE(IsForbiddenAddress(&other));
  EXPECT_TRUE(IsForbiddenAddress(static_cast<const sockaddr*>(nullptr)));
}

void ExpectInvalidUrl(std::string_view url) {
  core::Status status = CheckUrl(url);
  ASSERT_FALSE(status.ok()) << url;
  EXPECT_EQ(status.error().kind, core::ErrorKind::kInvalidInput) << url;
  EXPECT_EQ(status.error().code, "invalid_url") << url;
  EXPECT_EQ(status.error().field, "url") << url;
}

TEST(TargetGuard, AcceptsHttpAndHttpsUrls) {
  for (const char* url : {"https://example.com/hooks", "http://example.com", "HTTPS://Example.COM:8443/a?b=c#d",
                          "https://example.com:443/", "http://[2001:db8::1]:8080/x", "https://8.8.8.8/",
                          "https://example.com:65535/", "https://example.com:/"}) {
    EXPECT_TRUE(CheckUrl(url).ok()) << url << ": " << CheckUrl(url).error().message;
  }
}

TEST(TargetGuard, RefusesOtherUrls) {
  ExpectInvalidUrl("");
  ExpectInvalidUrl("example.com/hooks");
  ExpectInvalidUrl("ftp://example.com/");
  ExpectInvalidUrl("file:///etc/passwd");
  ExpectInvalidUrl("gopher://example.com/");
  ExpectInvalidUrl("http:/example.com");
  ExpectInvalidUrl("http:///example.com");
  ExpectInvalidUrl("https://");
  ExpectInvalidUrl("https://?x");
  ExpectInvalidUrl("https://user:pass@example.com/");
  ExpectInvalidUrl("https://user@example.com/");
  ExpectInvalidUrl("https://@example.com/");
  ExpectInvalidUrl("https://example.com\\@evil.test/");
  ExpectInvalidUrl("https://example.com:0/");
  ExpectInvalidUrl("https://example.com:65536/");
  ExpectInvalidUrl("https://example.com:99999999999/");
  ExpectInvalidUrl("https://example.com:8x/");
  ExpectInvalidUrl("https://exa mple.com/");
  ExpectInvalidUrl("https://example.com/" + std::string(2048, 'a'));
  EXPECT_TRUE(CheckUrl("https://example.com/" + std::string(2048 - 20, 'a')).ok());
}

TEST(TargetGuard, ErrorsSayWhatIsWrong) {
  EXPECT_NE(CheckUrl("ftp://x").error().message.find("http:// or https://"), std::string::npos);
  EXPECT_NE(CheckUrl("https://u:p@x").error().message.find("user name or password"), std::string::npos);
  EXPECT_NE(CheckUrl("https://x:0").error().message.find("1 to 65535"), std::string::npos);
}

void ExpectForbidden(std::string_view url) {
  core::Status status = CheckTarget(url, TargetPolicy{});
  ASSERT_FALSE(status.ok()) << url;
  EXPECT_EQ(status.error().kind, core::ErrorKind::kInvalidInput) << url;
  EXPECT_EQ(status.error().code, "forbidden_target") << url;
  EXPECT_EQ(status.error().field, "url") << url;
  EXPECT_NE(status.error().message.find("events.allow_private_targets"), std::string::npos) << url;
}

TEST(TargetGuard, RefusesTargetsOnInternalAddresses) {
  ExpectForbidden("http://localhost:8080/hook");
  ExpectForbidden("http://127.0.0.1/");
  ExpectForbidden("http://[::1]:9000/");
  ExpectForbidden("http://[::ffff:127.0.0.1]/");
  ExpectForbidden("http://169.254.169.254/latest/meta-data/");
  ExpectForbidden("http://[fd00:ec2::254]/");
  ExpectForbidden("http://[fe80::1%25eth0]/");
  ExpectForbidden("http://10.1.2.3/");
  // Shorthand IPv4 forms are normalised by the URL parser or the resolver, never read as names.
  ExpectForbidden("http://0x7f.1/");
  ExpectForbidden("http://2130706433/");
  ExpectForbidden("http://0/");
}

TEST(TargetGuard, AllowsPublicLiteralsAndEverythingWhenPrivateIsAllowed) {
  EXPECT_TRUE(CheckTarget("https://8.8.8.8/hook", TargetPolicy{}).ok());
  EXPECT_TRUE(CheckTarget("https://[2001:4860::8888]/hook", TargetPolicy{}).ok());
  TargetPolicy allow;
  allow.allow_private = true;
  EXPECT_TRUE(CheckTarget("http://localhost:8080/hook", allow).ok());
  EXPECT_TRUE(CheckTarget("http://169.254.169.254/", allow).ok());
  EXPECT_EQ(CheckTarget("ftp://localhost/", allow).error().code, "invalid_url");  // the URL's shape still counts
}

TEST(TargetGuard, AHostThatDoesNotResolveIsRefused) {
  // An empty DNS label: the resolver refuses it locally, without a query, so this holds offline.
  core::Status status = CheckTarget("https://x..y/hook", TargetPolicy{});
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, "unresolvable_target");
  EXPECT_EQ(status.error().field, "url");
}

}  // namespace
}  // namespace wagate::events
