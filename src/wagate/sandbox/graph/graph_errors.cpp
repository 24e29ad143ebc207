#include "wagate/sandbox/graph/graph_errors.hpp"

#include <array>

#include "wagate/core/ids.hpp"

namespace wagate::sandbox {
namespace {

struct CodeRow {
  int code;
  int http_status;
  std::string_view title;
};

// Titles follow Meta's error-code page; statuses are the ones Meta documents for the sync response.
constexpr std::array kCodes = {
    CodeRow{0, 401, "AuthException"},
    CodeRow{1, 400, "API Unknown"},
    CodeRow{2, 503, "API Service"},
    CodeRow{3, 500, "API Method"},
    CodeRow{4, 400, "API Too Many Calls"},
    CodeRow{10, 403, "API Permission Denied"},
    CodeRow{100, 400, "Invalid parameter"},
    CodeRow{190, 401, "Access token has expired"},
    CodeRow{368, 403, "Temporarily blocked for policies violations"},
    CodeRow{2500, 400, "Unknown path components"},
    CodeRow{80007, 400, "Rate limit issues"},
    CodeRow{130429, 400, "Rate limit hit"},
    CodeRow{130472, 400, "User's number is part of an experiment"},
    CodeRow{131000, 500, "Something went wrong"},
    CodeRow{131005, 403, "Access denied"},
    CodeRow{131008, 400, "Required parameter is missing"},
    CodeRow{131009, 400, "Parameter value is not valid"},
    CodeRow{131016, 500, "Service unavailable"},
    CodeRow{131021, 400, "Recipient cannot be sender"},
    CodeRow{131026, 400, "Message undeliverable"},
    CodeRow{131030, 400, "Recipient phone number not in allowed list"},
    CodeRow{131031, 403, "Business Account locked"},
    CodeRow{131037, 400, "WhatsApp provided number needs display name approval before message can be sent"},
    CodeRow{131042, 400, "Business eligibility payment issue"},
    CodeRow{131045, 500, "Incorrect certificate"},
    CodeRow{131047, 400, "Re-engagement message"},
    CodeRow{131048, 400, "Spam rate limit hit"},
    CodeRow{131049, 400, "This message was not delivered to maintain healthy ecosystem engagement."},
    CodeRow{131050, 400, "Unable to deliver the marketing message"},
    CodeRow{131051, 400, "Unsupported message type"},
    CodeRow{131052, 400, "Media download error"},
    CodeRow{131053, 400, "Media upload error"},
    CodeRow{131056, 400, "(Business Account, Consumer Account) pair rate limit hit"},
    CodeRow{131057, 500, "Account in maintenance mode"},
    CodeRow{132000, 400, "Number of parameters does not match the expected number of params"},
    CodeRow{132001, 404, "Template name does not exist in the translation"},
    CodeRow{132005, 400, "Translated text too long"},
    CodeRow{132007, 400, "Template Format Character Policy Violated"},
    CodeRow{132012, 400, "Parameter format does not match format in the created template"},
    CodeRow{132015, 400, "Template is Paused"},
    CodeRow{132016, 400, "Template is Disabled"},
    CodeRow{132018, 400, "There was an issue with the parameters in your template."},
    CodeRow{133010, 400, "Phone number Not Registered"},
    CodeRow{133016, 400, "Account register deregister rate limit exceeded"},
    CodeRow{135000, 400, "Generic user error"},
};

}  // namespace

GraphCodeInfo DescribeGraphCode(int code) {
  for (const CodeRow& row : kCodes) {
    if (row.code == code) return {row.http_status, row.title};
  }
  // 200–299 are Graph's "permission missing" family.
  if (code >= 200 && code <= 299) return {403, "API Permission"};
  return {400, "Unknown error"};
}

nlohmann::ordered_json GraphErrorBody(const GraphError& error, std::string_view fbtrace_id) {
  std::string message = "(#" + std::to_string(error.code) + ") ";
  if (error.graph_message) {
    message = *error.graph_message;
  } else if (error.code == 100 && !error.details.empty()) {
    message += error.details;  // "(#100) Param text['body'] must be at most 4096 characters long."
  } else {
    message += DescribeGraphCode(error.code).title;
  }
  nlohmann::ordered_json body = {{"message", std::move(message)}, {"type", error.type}, {"code", error.code}};
  if (error.subcode) body["error_subcode"] = *error.subcode;
  if (!error.graph_message) body["error_data"] = {{"messaging_product", "whatsapp"}, {"details", error.details}};
  body["fbtrace_id"] = fbtrace_id;
  return nlohmann::ordered_json{{"error", std::move(body)}};
}

void AddOAuthChallenge(http::Response& response, int code, std::string_view message) {
  // The message may hold a client's text (an id from the path): no control characters or quotes.
  std::string clean;
  for (char c : message) {
    if (static_cast<unsigned char>(c) >= 0x20 && c != '"' && c != 0x7f) clean.push_back(c);
  }
  std::string kind = code == 190 ? "invalid_token" : "invalid_request";
  response.headers.emplace_back("WWW-Authenticate", "OAuth \"Facebook Platform\" \"" + kind + "\" \"" + clean + "\"");
}

http::Response GraphErrorResponse(const GraphError& error) {
  http::Response response;
  response.status = DescribeGraphCode(error.code).http_status;
  nlohmann::ordered_json body = GraphErrorBody(error, NewFbtraceId());
  AddOAuthChallenge(response, error.code, body["error"]["message"].get_ref<const std::string&>());
  response.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return response;
}

std::string NewFbtraceId() {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string random = core::RandomBytes(23);
  std::string id;
  id.reserve(random.size());
  for (unsigned char c : random) id.push_back(kAlphabet[c & 63]);
  return id;
}

namespace {

GraphError GenericGraphError(int code, std::string message, std::string type, std::optional<int> subcode) {
  GraphError error(code, message, std::move(type), subcode);
  error.graph_message = std::move(message);
  return error;
}

}  // namespace

GraphError MissingTokenError() {
  return GenericGraphError(190, "Invalid OAuth access token - Cannot parse access token", "OAuthException",
                           std::nullopt);
}

GraphError UnknownObjectError(std::string_view object_id, std::string_view method) {
  std::string verb(method);
  for (char& c : verb) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return GenericGraphError(100,
                           "Unsupported " + verb + " request. Object with ID '" + std::string(object_id) +
                               "' does not exist, cannot be loaded due to missing permissions, or does not "
                               "support this operation. Please read the Graph API documentation at "
                               "https://developers.facebook.com/docs/graph-api",
                           "GraphMethodException", 33);
}

GraphError WabaRateLimitError(int64_t calls_per_hour) {
  return GraphError::Of(80007, "WhatsApp Business Account rate limit hit: more than " + std::to_string(calls_per_hour) +
                                   " management calls in the last hour.");
}

GraphError UnknownPathError(std::string_view path) {
  return GenericGraphError(2500, "Unknown path components: " + std::string(path), "OAuthException", std::nullopt);
}

}  // namespace wagate::sandbox
