// Outbound address safety (SSRF) for webhook and hook URLs: which URLs and addresses wagate may post to.
#pragma once

#include <sys/socket.h>

#include <string_view>

#include "wagate/core/result.hpp"

namespace wagate::events {

struct TargetPolicy {
  // events.allow_private_targets: also post to loopback, private, link-local (cloud metadata) and other
  // internal addresses (a receiver on the same host or network). Off by default.
  bool allow_private = false;
};

// The URL's shape only, no DNS: http:// or https:// (any case), a host, no userinfo ("user:pass@"), a
// port (if given) in 1..65535, at most 2048 characters. Parsed by libcurl's own URL parser, the one
// that later connects, so both read the same host. Error kInvalidInput "invalid_url", field "url".
core::Status CheckUrl(std::string_view url);

// True for an address no outgoing event may reach unless private targets are allowed: IPv4 0/8
// (unspecified), 10/8, 100.64/10 (CGNAT), 127/8, 169.254/16 (link-local, cloud metadata), 172.16/12,
// 192.0.0/24, 192.168/16, 198.18/15 (benchmarking), 224/4 (multicast), 240/4 (reserved, with the
// broadcast 255.255.255.255); IPv6 :: and ::1, fe80::/10 (link-local), fec0::/10 (old site-local),
// fc00::/7 (unique-local, e.g. AWS's metadata fd00:ec2::254), ff00::/8 (multicast), 64:ff9b:1::/48
// (local NAT64); and IPv6 forms that carry an IPv4 address, judged by it: ::ffff:a.b.c.d (mapped),
// ::ffff:0:a.b.c.d (translated), ::a.b.c.d (compatible), 64:ff9b::a.b.c.d (NAT64), 2002:AABB:CCDD::/48
// (6to4). `addr` points to a whole sockaddr_in or sockaddr_in6 as its family says; other families
// (and nullptr) are forbidden.
bool IsForbiddenAddress(const sockaddr* addr);
// The same for an IP literal ("10.0.0.1", "::1", "[::1]"); a string that is not one is forbidden.
bool IsForbiddenAddress(std::string_view ip_literal);

// CheckUrl, then (unless policy.allow_private) every address the host resolves to must be allowed:
// error kInvalidInput "forbidden_target" when any is forbidden, "unresolvable_target" when the host
// does not resolve (both field "url"). IP literals are judged without DNS. Blocks on DNS: call it where
// blocking is allowed (a worker, not an I/O thread). A check at creation time only: the HTTP poster
// checks each address again as it connects (DNS may answer differently later).
core::Status CheckTarget(std::string_view url, const TargetPolicy& policy);

}  // namespace wagate::events
