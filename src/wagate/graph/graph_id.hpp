// Graph object ids (phone number, WABA, media, template) are decimal digits. Every id that goes into
// a Graph URL is checked against this first: "..", "me" or "%2e%2e" would otherwise make the gateway
// call another Graph path with an outlet's token.
#pragma once

#include <algorithm>
#include <string_view>

namespace wagate::graph {

inline bool IsGraphId(std::string_view id) {
  return !id.empty() && id.size() <= 32 &&
         std::all_of(id.begin(), id.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace wagate::graph
