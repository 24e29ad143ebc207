// Fuzz target: multipart/form-data bodies (media uploads, gateway and sandbox). The first line of the
// input is the Content-Type header, the rest the body.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "wagate/http/multipart.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  size_t newline = input.find('\n');
  std::string_view content_type = input.substr(0, newline);
  std::string_view body = newline == std::string_view::npos ? std::string_view() : input.substr(newline + 1);
  if (auto parts = wagate::http::ParseMultipart(content_type, body)) {
    for (const auto& p : *parts) {
      // Every part must point into the body it came from.
      if (!p.data.empty() &&
          (p.data.data() < body.data() || p.data.data() + p.data.size() > body.data() + body.size())) {
        __builtin_trap();
      }
    }
  }
  return 0;
}
