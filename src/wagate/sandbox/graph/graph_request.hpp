// What every Graph-like route of the sandbox checks first (version, object ids, bearer token), and how
// it answers: Meta's JSON bodies, errors through graph_errors.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "wagate/http/message.hpp"
#include "wagate/http/router.hpp"
#include "wagate/sandbox/graph/graph_errors.hpp"

namespace wagate::sandbox {

// What Graph serves a path without a version at (its current version).
inline constexpr std::string_view kDefaultGraphVersion = "v24.0";

// Registers a Graph route as Graph serves it: at "/{version}" + `pattern`, and at `pattern` alone, where
// the handler sees params["version"] = kDefaultGraphVersion. Register edges ("/{id}/messages") before
// the bare object routes ("/{id}"), which would match any path of their length.
void AddGraphRoute(http::Router& router, const std::string& method, const std::string& pattern,
                   const http::Handler& handler, size_t max_body_bytes = 0);
// The sandbox's own paths (/_sandbox/…, /_media/…): they answer in wagate's shape, never Graph's.
bool IsControlPath(const http::Request& request);
// Graph's answer to a request no route takes (Router::SetFallback): another method on a known path →
// 100/33 "Unsupported <method> request" naming the object; an unknown path → 2500 naming the parts
// Graph could not route.
GraphError UnroutedGraphError(const http::Request& request, bool path_known);

// Graph reads a call's parameters from the query string as well as the body: the query's (but
// access_token), then the body's — a JSON object, or form fields (application/x-www-form-urlencoded) —
// which win. A form or query value that is JSON text of an object or array (components=[…]) is read as
// that JSON, as Graph does. nullopt when the body is neither (not JSON, not a form).
std::optional<nlohmann::json> GraphParams(const http::Request& request);
// Whether the query string has a parameter besides access_token (then GraphParams has work to do).
bool HasQueryParams(const http::Request& request);

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
// The same list URL with another paging cursor (`after` or `before`): every other query parameter
// (filters, limit, fields) kept, as Graph's paging.next and paging.previous are.
std::string GraphPageUrl(const http::Request& request, std::string_view cursor_name, const std::string& cursor);
// "http://" + the Host the client used, so URLs the sandbox hands out (media, paging) reach it back.
std::string BaseUrlOf(const http::Request& request);

}  // namespace wagate::sandbox
