// Helpers shared by the sandbox's unit tests (header-only; included by *_test.cpp files only).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "wagate/http/router.hpp"
#include "wagate/sandbox/app/sandbox_settings.hpp"

namespace wagate::sandbox::testing {

// No webhooks, no throughput or pair limits: for tests of one endpoint's behaviour.
inline SandboxSettings QuietSettings() {
  SandboxSettings s;
  s.webhook_url = "";
  s.mps = 0;
  s.pair_burst = 0;
  return s;
}

// Dispatches through the real route table; handlers answer synchronously unless a request is held.
// `target` may carry a query string.
inline http::Response Call(const http::Router& router, std::string method, const std::string& target,
                           std::string body = "", const std::string& bearer = "t",
                           std::vector<std::pair<std::string, std::string>> headers = {}) {
  http::Request request;
  request.method = std::move(method);
  size_t q = target.find('?');
  request.path = target.substr(0, q);
  if (q != std::string::npos) request.query = target.substr(q + 1);
  request.body = std::move(body);
  request.headers = std::move(headers);
  request.headers.emplace_back("host", "sandbox.test:9090");
  if (!bearer.empty()) request.headers.emplace_back("authorization", "Bearer " + bearer);
  http::Response answer;
  answer.status = -1;
  router.Dispatch(request, http::Responder([&answer](http::Response r) { answer = std::move(r); }));
  return answer;
}

inline nlohmann::json Json(const http::Response& response) {
  return nlohmann::json::parse(response.body, nullptr, /*allow_exceptions=*/false);
}

// A multipart/form-data upload as curl -F sends it.
struct Upload {
  std::string content_type;
  std::string body;
};
inline Upload MultipartUpload(const std::string& file, const std::string& mime, bool with_product = true,
                              const std::string& type_field = "") {
  const std::string boundary = "------------------------d74496d66958873e";
  std::string body;
  if (with_product) {
    body += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"messaging_product\"\r\n\r\nwhatsapp\r\n";
  }
  if (!type_field.empty()) {
    body += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"type\"\r\n\r\n" + type_field + "\r\n";
  }
  body += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"upload.bin\"\r\n";
  if (!mime.empty()) body += "Content-Type: " + mime + "\r\n";
  body += "\r\n" + file + "\r\n--" + boundary + "--\r\n";
  return {"multipart/form-data; boundary=" + boundary, std::move(body)};
}

}  // namespace wagate::sandbox::testing
