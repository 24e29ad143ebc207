// Meta-shaped Graph API errors: the one place where a Graph code gets its HTTP status, title and body.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "wagate/http/message.hpp"

namespace wagate::sandbox {

// A synchronous Graph error as the simulator decides it; turned into bytes by GraphErrorResponse.
//
// Meta words its two families differently (docs/sandbox.md, "Error texts"):
//  - WhatsApp errors (13xxxx, 80007, …): message "(#CODE) Title", the specifics in error_data.details;
//  - Graph's own errors carry the specifics in the message itself: 100 "(#100) Param …", and the
//    generic ones (190 token, 100/33 unknown object, 2500 unknown path) a plain sentence and no
//    error_data at all (`graph_message`).
struct GraphError {
  int code = 131000;
  std::string details;                       // error_data.details: the sentence a developer reads
  std::string type = "OAuthException";       // GraphMethodException for unknown object ids
  std::optional<int> subcode;                // only generic Graph errors carry one (e.g. 100/33)
  std::optional<std::string> graph_message;  // a generic Graph error: the whole message, no error_data

  GraphError(int error_code, std::string error_details, std::string error_type = "OAuthException",
             std::optional<int> error_subcode = std::nullopt)
      : code(error_code), details(std::move(error_details)), type(std::move(error_type)), subcode(error_subcode) {}
  static GraphError Of(int code, std::string details) { return GraphError(code, std::move(details)); }
};

// What Meta documents for a code (cloud-api.md §2.3). Unknown codes get HTTP 400 and a generic title.
struct GraphCodeInfo {
  int http_status;
  std::string_view title;
};
GraphCodeInfo DescribeGraphCode(int code);

// {"error":{"message":"(#CODE) Title","type":…,"code":…,"error_data":{…},"fbtrace_id":…}}, keys in
// Meta's order (ordered_json) so the bytes look like Meta's too.
nlohmann::ordered_json GraphErrorBody(const GraphError& error, std::string_view fbtrace_id);
// The body above with a fresh random fbtrace_id and Meta's HTTP status for the code.
http::Response GraphErrorResponse(const GraphError& error);
// Graph repeats every error in a header: WWW-Authenticate: OAuth "Facebook Platform" "invalid_request"
// "<message>" ("invalid_token" for 190).
void AddOAuthChallenge(http::Response& response, int code, std::string_view message);
// 23 URL-safe characters, like Meta's trace ids ("Az8or2yhqkZfEZ-_4Qn_Bam").
std::string NewFbtraceId();

// The errors several parts raise, spelled once, in Meta's words.
// 190: a missing token, or one that is not the sandbox's --access-token (HTTP 401).
GraphError MissingTokenError();
// 100/33: `method` ("GET", "POST", …, any case) on an object id that does not exist here.
GraphError UnknownObjectError(std::string_view object_id, std::string_view method = "post");
// 80007: the WABA made more management calls (templates, phone numbers) than its hourly limit.
GraphError WabaRateLimitError(int64_t calls_per_hour);
// 2500: a path Graph does not route (`path` as requested, e.g. "/v24.0/123/unknown_edge").
GraphError UnknownPathError(std::string_view path);

}  // namespace wagate::sandbox
