// Fuzz target: Meta's webhook envelope parser and the signature check (untrusted input).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "wagate/graph/signature.hpp"
#include "wagate/graph/webhook_payload.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto payload = wagate::graph::ParseWebhookPayload(input);
  if (payload) {
    for (const auto& s : payload->statuses) {
      if (s.wamid.empty()) __builtin_trap();  // parser contract: statuses always name a wamid
    }
    // Messages name their id, sender and number; previews stay within 200 bytes.
    for (const auto& m : payload->messages) {
      if (m.wamid.empty() || m.from.empty() || m.phone_number_id.empty() || m.preview.size() > 200) __builtin_trap();
    }
  }
  size_t split = input.find('\n');
  if (split != std::string_view::npos) {
    wagate::graph::VerifySignature(input.substr(0, split), "secret", input.substr(split + 1));
  }
  return 0;
}
