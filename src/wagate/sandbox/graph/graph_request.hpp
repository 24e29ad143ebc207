// What every Graph-like route of the sandbox checks first (version, object ids, bearer token), and how
// it answers: Meta's JSON bodies, errors through graph_errors.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "wagate/http/message.hpp"
#include "wagate/sandbox/graph/graph_errors.hpp"

namespace wagate::sandbox {

// Graph versions look like "v24.0"; any vNN.N is accepted, as the sandbox serves every version alike.
bool IsGraphVersion(std::string_view version);
// Non-empty, only ASCII digits, at most `max_len` of them (phone number, WABA, media and template ids).
bool AllDigits(std::string_view s, size_t max_len = 20);
// `Authorization: Bearer …`, else `?access_token=` (Graph accepts both); empty when neither.
std::string BearerOf(const http::Request& request);

// The version, the token and the object id of a Graph route, in Meta's order; nullopt when all pass.
// `required_token` empty: any non-empty token is accepted.
std::optional<GraphError> CheckGraphAccess(std::string_view version, std::string_view bearer,
                                           std::string_view required_token);

http::Response GraphJson(int status, const nlohmann::ordered_json& body);
// "http://" + the Host the client used, so URLs the sandbox hands out (media, paging) reach it back.
std::string BaseUrlOf(const http::Request& request);

}  // namespace wagate::sandbox
