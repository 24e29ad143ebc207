// Ids the simulator hands out, shaped like Meta's.
#pragma once

#include <string>

namespace wagate::sandbox {

// "wamid." + base64 of random bytes, like Meta's opaque message ids (≤128 chars).
std::string NewWamid();

// A 16-digit numeric Graph object id starting with `leading_digit` ('1' templates, '2' media): below
// 2^53, so JSON readers that parse numbers as doubles keep webhook ids exact, and the kinds never
// collide on the one GET /{id} route.
std::string NewGraphObjectId(char leading_digit);

}  // namespace wagate::sandbox
