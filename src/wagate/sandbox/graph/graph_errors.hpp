// Meta-shaped Graph API errors: the one place where a Graph code gets its HTTP status, title and body.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "wagate/http/message.hpp"

namespace wagate::sandbox {

// A synchronous Graph error as the simulator decides it; turned into bytes by GraphErrorResponse.
struct GraphError {
  int code = 131000;
  std::string details;                  // error_data.details: the sentence a developer reads
  std::string type = "OAuthException";  // GraphMethodException for unknown object ids
  std::optional<int> subcode;           // only generic Graph errors carry one (e.g. 100/33)

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
// 23 URL-safe characters, like Meta's trace ids ("Az8or2yhqkZfEZ-_4Qn_Bam").
std::string NewFbtraceId();

// The errors several parts raise, spelled once.
GraphError MissingTokenError();
GraphError UnknownObjectError(std::string_view object_id);

}  // namespace wagate::sandbox
