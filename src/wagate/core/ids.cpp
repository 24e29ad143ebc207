#include "wagate/core/ids.hpp"

#include <openssl/rand.h>

#include <cstdlib>

namespace wagate::core {
namespace {
constexpr char kCrockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
}

std::string RandomBytes(size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) {
    std::abort();  // no entropy: nothing secure can be done
  }
  return out;
}

std::string NewId(std::string_view prefix, int64_t now_ms) {
  std::string id(prefix);
  id.reserve(prefix.size() + 26);
  uint64_t t = static_cast<uint64_t>(now_ms);
  char time_part[10];
  for (int i = 9; i >= 0; --i) {
    time_part[i] = kCrockford[t & 31];
    t >>= 5;
  }
  id.append(time_part, 10);
  // The same CSPRNG bytes, fetched 512 at a time per thread: one RAND_bytes call (its locks and DRBG
  // bookkeeping) per 32 ids instead of per id; NewId runs several times per accepted message.
  thread_local unsigned char pool[512];
  thread_local size_t used = sizeof(pool);
  if (used == sizeof(pool)) {
    if (RAND_bytes(pool, static_cast<int>(sizeof(pool))) != 1) std::abort();  // as RandomBytes
    used = 0;
  }
  for (int i = 0; i < 16; ++i) id.push_back(kCrockford[pool[used + i] & 31]);
  used += 16;  // ids are not secrets (callers see them): used bytes need no wiping
  return id;
}

std::string HexEncode(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

bool HexDecode(std::string_view hex, std::string* out) {
  if (hex.size() % 2 != 0) return false;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  out->clear();
  out->reserve(hex.size() / 2);
  for (size_t i = 0; i < hex.size(); i += 2) {
    int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out->push_back(static_cast<char>(hi << 4 | lo));
  }
  return true;
}

}  // namespace wagate::core
