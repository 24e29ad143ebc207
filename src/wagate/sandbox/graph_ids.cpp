#include "wagate/sandbox/graph_ids.hpp"

#include <cstdint>
#include <cstring>

#include "wagate/core/ids.hpp"
#include "wagate/sandbox/base64.hpp"

namespace wagate::sandbox {

std::string NewWamid() { return "wamid.HBgL" + Base64Encode(core::RandomBytes(30)); }

std::string NewGraphObjectId(char leading_digit) {
  uint64_t n = 0;
  std::string bytes = core::RandomBytes(sizeof n);
  std::memcpy(&n, bytes.data(), sizeof n);
  std::string digits = std::to_string(n % 1'000'000'000'000'000ULL);
  return std::string(1, leading_digit) + std::string(15 - digits.size(), '0') + digits;
}

}  // namespace wagate::sandbox
