#include "wagate/sandbox/graph/graph_ids.hpp"

#include <cstdint>
#include <cstdio>
#include <cstring>

#include "wagate/core/ids.hpp"
#include "wagate/sandbox/graph/base64.hpp"

namespace wagate::sandbox {

std::string NewWamid() { return "wamid.HBgL" + Base64Encode(core::RandomBytes(30)); }

std::string NewGraphObjectId(char leading_digit) {
  uint64_t n = 0;
  std::string bytes = core::RandomBytes(sizeof n);
  std::memcpy(&n, bytes.data(), sizeof n);
  // One formatted write: GCC 12 at -O3 misreads the inlined concatenation of short strings as an
  // overflowing memcpy (-Werror=restrict), a known false positive.
  char id[17];
  std::snprintf(id, sizeof id, "%c%015llu", leading_digit,
                static_cast<unsigned long long>(n % 1'000'000'000'000'000ULL));
  return id;
}

}  // namespace wagate::sandbox
