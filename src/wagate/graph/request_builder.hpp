// Builds the exact JSON bodies POSTed to Graph's /messages endpoint.
#pragma once

#include <string>

namespace wagate::graph {

// Our message id travels in biz_opaque_callback_data, so the status webhooks name the message even
// before the send's answer is stored (and settle in-doubt sends after a crash).
std::string BuildTextMessage(const std::string& to_e164, const std::string& body, const std::string& message_id);

}  // namespace wagate::graph
