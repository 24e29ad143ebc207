// Fuzz target: what receivers and pre-send hooks answer, and the signature headers of Standard
// Webhooks. The input is used as a hook's answer body (ParseVerdict), a Retry-After value, a
// webhook-signature header (Verify) and a supplied secret (SecretKey).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "wagate/events/http_poster.hpp"
#include "wagate/events/presend_hooks.hpp"
#include "wagate/events/standard_webhooks.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  wagate::events::PostResult answer;
  answer.status = 200;
  answer.body = std::string(input);
  auto verdict = wagate::events::ParseVerdict(answer);
  if (verdict.kind == wagate::events::HookVerdict::Kind::kModify && !verdict.message.is_object()) __builtin_trap();
  if (auto wait = wagate::events::ParseRetryAfter(input, 1'764'756'000); wait && *wait < 0) __builtin_trap();
  static const std::string key(32, 'k');
  if (wagate::events::Verify(key, "evt_1", 1'764'756'000, "{}", input)) {
    // Only the real signature verifies.
    if (input.find(wagate::events::Signature(key, "evt_1", 1'764'756'000, "{}")) == std::string_view::npos) {
      __builtin_trap();
    }
  }
  (void)wagate::events::SecretKey(input);
  return 0;
}
