// Fuzz target: request-body parsing as the API does it (JSON object, typed fields, phone numbers,
// every message type's content and the Graph body built from it).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "wagate/content/message_content.hpp"
#include "wagate/core/json/object_reader.hpp"
#include "wagate/core/phone.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto body = wagate::core::ParseJsonObject(input);
  if (body) {
    wagate::core::FieldErrors errors;
    wagate::core::ObjectReader f(*body, "", errors);
    auto to = f.String("to", true, 64, 1);
    f.String("message", true, 4096, 1);
    f.Int("monthly_quota", false, 0, 1'000'000'000'000);
    f.Bool("async");
    if (to) wagate::core::NormalizePhoneNumber(*to);
    if (auto content = wagate::content::ParseMessageContent(*body)) {
      wagate::content::BuildGraphRequest(*content, "+628123456789", "msg_fuzz");
    }
  }
  wagate::core::NormalizePhoneNumber(input.substr(0, 40));
  return 0;
}
