// Percent-encoding of URL query values, shared by the gateway's Graph client and the sandbox.
#pragma once

#include <string>
#include <string_view>

namespace wagate::core {

// Every byte but RFC 3986's unreserved characters (A-Z a-z 0-9 - . _ ~) as %XX.
std::string UrlEncode(std::string_view text);

}  // namespace wagate::core
