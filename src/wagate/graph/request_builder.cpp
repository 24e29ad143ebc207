#include "wagate/graph/request_builder.hpp"

#include <nlohmann/json.hpp>

namespace wagate::graph {

std::string BuildTextMessage(const std::string& to_e164, const std::string& body, const std::string& message_id) {
  nlohmann::json j = {{"messaging_product", "whatsapp"},
                      {"recipient_type", "individual"},
                      {"to", to_e164},
                      {"type", "text"},
                      {"text", {{"body", body}}},
                      {"biz_opaque_callback_data", message_id}};
  return j.dump();
}

}  // namespace wagate::graph
