#include "wagate/events/target_guard.hpp"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netdb.h>
#include <netinet/in.h>

#include <array>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>

namespace wagate::events {
namespace {

constexpr size_t kMaxUrlLength = 2048;

core::Error InvalidUrl(const std::string& rule) {
  return {core::ErrorKind::kInvalidInput, "invalid_url", "the URL " + rule, "url"};
}

bool StartsWithNoCase(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[i])) != prefix[i]) return false;
  }
  return true;
}

struct CurlUrlDeleter {
  void operator()(CURLU* url) const { curl_url_cleanup(url); }
};
using CurlUrl = std::unique_ptr<CURLU, CurlUrlDeleter>;

// One part of a parsed URL; nullopt when the URL has none.
std::optional<std::string> Part(CURLU* url, CURLUPart part, unsigned int flags = 0) {
  char* text = nullptr;
  if (curl_url_get(url, part, &text, flags) != CURLUE_OK || text == nullptr) return std::nullopt;
  std::string value(text);
  curl_free(text);
  return value;
}

// The URL's host (brackets of an IPv6 literal removed, an IDN in punycode) once its shape is valid.
core::Result<std::string> ValidatedHost(std::string_view url) {
  if (url.size() > kMaxUrlLength) return InvalidUrl("is longer than " + std::to_string(kMaxUrlLength) + " characters");
  std::string_view rest;
  if (StartsWithNoCase(url, "https://")) {
    rest = url.substr(8);
  } else if (StartsWithNoCase(url, "http://")) {
    rest = url.substr(7);
  } else {
    return InvalidUrl("must start with http:// or https://");
  }
  // The authority is read here as well as by libcurl, so that lenient forms ("http:///x") and
  // anything libcurl might take for userinfo ("http://a\@b") are refused, not reinterpreted.
  std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  if (authority.empty()) return InvalidUrl("has no host");
  if (authority.find('@') != std::string_view::npos) return InvalidUrl("must not contain a user name or password");
  if (url.find('\0') != std::string_view::npos) return InvalidUrl("contains a NUL character");

  CurlUrl parsed(curl_url());
  if (!parsed) return core::Error::Internal("out of memory parsing a URL");
  CURLUcode rc = curl_url_set(parsed.get(), CURLUPART_URL, std::string(url).c_str(), 0);
  if (rc == CURLUE_BAD_PORT_NUMBER) return InvalidUrl("has a port that is not a number from 1 to 65535");
  if (rc != CURLUE_OK) return InvalidUrl(std::string("is not valid: ") + curl_url_strerror(rc));
  if (Part(parsed.get(), CURLUPART_USER) || Part(parsed.get(), CURLUPART_PASSWORD)) {
    return InvalidUrl("must not contain a user name or password");
  }
  if (auto port = Part(parsed.get(), CURLUPART_PORT)) {
    int number = 0;
    auto [end, ec] = std::from_chars(port->data(), port->data() + port->size(), number);
    if (ec != std::errc() || end != port->data() + port->size() || number < 1 || number > 65535) {
      return InvalidUrl("has a port that is not a number from 1 to 65535");
    }
  }
  unsigned int host_flags = 0;
#ifdef CURLU_PUNYCODE
  host_flags = CURLU_PUNYCODE;  // what DNS will be asked (libcurl >= 7.88)
#endif
  std::optional<std::string> host = Part(parsed.get(), CURLUPART_HOST, host_flags);
  if (!host || host->empty()) return InvalidUrl("has no host");
  if (host->size() >= 2 && host->front() == '[' && host->back() == ']') *host = host->substr(1, host->size() - 2);
  return std::move(*host);
}

core::Error ForbiddenTarget(const std::string& host) {
  return {core::ErrorKind::kInvalidInput, "forbidden_target",
          "the URL's host '" + host +
              "' resolves to a private, loopback, link-local or metadata address; such targets are refused unless "
              "the setting events.allow_private_targets is on",
          "url"};
}

bool InPrefix(uint32_t address, uint32_t network, int bits) {
  uint32_t mask = bits == 0 ? 0 : ~uint32_t{0} << (32 - bits);
  return (address & mask) == network;
}

// `address` in host byte order.
bool ForbiddenV4(uint32_t address) {
  struct Range {
    uint32_t network;
    int bits;
  };
  static constexpr std::array<Range, 11> kForbidden = {{
      {0x00000000, 8},   // 0.0.0.0/8: "this network", 0.0.0.0 reaches the local host
      {0x0A000000, 8},   // 10/8
      {0x64400000, 10},  // 100.64/10: carrier-grade NAT
      {0x7F000000, 8},   // 127/8: loopback
      {0xA9FE0000, 16},  // 169.254/16: link-local, 169.254.169.254 the cloud metadata service
      {0xAC100000, 12},  // 172.16/12
      {0xC0000000, 24},  // 192.0.0/24: IETF protocol assignments
      {0xC0A80000, 16},  // 192.168/16
      {0xC6120000, 15},  // 198.18/15: benchmarking
      {0xE0000000, 4},   // 224/4: multicast
      {0xF0000000, 4},   // 240/4: reserved, with the broadcast 255.255.255.255
  }};
  for (const Range& range : kForbidden) {
    if (InPrefix(address, range.network, range.bits)) return true;
  }
  return false;
}

uint32_t V4At(const uint8_t* bytes) {
  return static_cast<uint32_t>(bytes[0]) << 24 | static_cast<uint32_t>(bytes[1]) << 16 |
         static_cast<uint32_t>(bytes[2]) << 8 | bytes[3];
}

bool AllZero(const uint8_t* bytes, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (bytes[i] != 0) return false;
  }
  return true;
}

bool ForbiddenV6(const uint8_t* b) {
  // Forms that carry an IPv4 address are judged by it (a gateway or the kernel may route them there).
  if (AllZero(b, 12)) return ForbiddenV4(V4At(b + 12));                                    // ::a.b.c.d, with :: and ::1
  if (AllZero(b, 10) && b[10] == 0xFF && b[11] == 0xFF) return ForbiddenV4(V4At(b + 12));  // ::ffff:a.b.c.d
  if (AllZero(b, 8) && b[8] == 0xFF && b[9] == 0xFF && b[10] == 0 && b[11] == 0) {
    return ForbiddenV4(V4At(b + 12));  // ::ffff:0:a.b.c.d
  }
  if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xFF && b[3] == 0x9B) {
    if (AllZero(b + 4, 8)) return ForbiddenV4(V4At(b + 12));  // 64:ff9b::/96, NAT64
    if (b[4] == 0x00 && b[5] == 0x01) return true;            // 64:ff9b:1::/48, local-use NAT64
  }
  if (b[0] == 0x20 && b[1] == 0x02) return ForbiddenV4(V4At(b + 2));  // 2002::/16, 6to4
  if (b[0] == 0xFE && (b[1] & 0x80) != 0) return true;                // fe80::/10 link-local, fec0::/10 site-local
  if ((b[0] & 0xFE) == 0xFC) return true;                             // fc00::/7, unique-local
  if (b[0] == 0xFF) return true;                                      // ff00::/8, multicast
  return false;
}

}  // namespace

core::Status CheckUrl(std::string_view url) {
  auto host = ValidatedHost(url);
  if (!host.ok()) return host.error();
  return core::Ok{};
}

bool IsForbiddenAddress(const sockaddr* addr) {
  if (addr == nullptr) return true;
  if (addr->sa_family == AF_INET) {
    sockaddr_in v4{};
    std::memcpy(&v4, addr, sizeof v4);
    return ForbiddenV4(ntohl(v4.sin_addr.s_addr));
  }
  if (addr->sa_family == AF_INET6) {
    sockaddr_in6 v6{};
    std::memcpy(&v6, addr, sizeof v6);
    return ForbiddenV6(v6.sin6_addr.s6_addr);
  }
  return true;
}

bool IsForbiddenAddress(std::string_view ip_literal) {
  if (ip_literal.size() >= 2 && ip_literal.front() == '[' && ip_literal.back() == ']') {
    ip_literal = ip_literal.substr(1, ip_literal.size() - 2);
  }
  std::string text(ip_literal);
  in_addr v4{};
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) return ForbiddenV4(ntohl(v4.s_addr));
  in6_addr v6{};
  if (inet_pton(AF_INET6, text.c_str(), &v6) == 1) return ForbiddenV6(v6.s6_addr);
  return true;
}

core::Status CheckTarget(std::string_view url, const TargetPolicy& policy) {
  auto host = ValidatedHost(url);
  if (!host.ok()) return host.error();
  if (policy.allow_private) return core::Ok{};
  in_addr v4{};
  in6_addr v6{};
  if (inet_pton(AF_INET, host->c_str(), &v4) == 1 || inet_pton(AF_INET6, host->c_str(), &v6) == 1) {
    if (IsForbiddenAddress(std::string_view(*host))) return ForbiddenTarget(*host);
    return core::Ok{};
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  int rc = getaddrinfo(host->c_str(), nullptr, &hints, &found);
  if (rc != 0 || found == nullptr) {
    return core::Error(core::ErrorKind::kInvalidInput, "unresolvable_target",
                       "the URL's host '" + *host + "' does not resolve (" + gai_strerror(rc) + ")", "url");
  }
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> owned(found, &freeaddrinfo);
  for (const addrinfo* a = found; a != nullptr; a = a->ai_next) {
    if (IsForbiddenAddress(a->ai_addr)) return ForbiddenTarget(*host);
  }
  return core::Ok{};
}

}  // namespace wagate::events
