#include "wagate/graph/client.hpp"

#include <curl/curl.h>

#include <nlohmann/json.hpp>

namespace wagate::graph {
namespace {

size_t CollectBody(char* data, size_t size, size_t n, void* user) {
  auto* out = static_cast<std::string*>(user);
  if (out->size() + size * n > (1 << 20)) return 0;  // a Graph answer is small; refuse floods
  out->append(data, size * n);
  return size * n;
}

size_t CollectHeader(char* data, size_t size, size_t n, void* user) {
  std::string line(data, size * n);
  auto* retry_after = static_cast<std::optional<int64_t>*>(user);
  if (line.size() > 12 && strncasecmp(line.c_str(), "retry-after:", 12) == 0) {
    try {
      *retry_after = std::stoll(line.substr(12)) * 1000;
    } catch (...) {
    }
  }
  return size * n;
}

struct CurlHandle {
  CURL* curl = curl_easy_init();
  ~CurlHandle() { curl_easy_cleanup(curl); }
};

}  // namespace

SendResult InterpretResponse(int http_status, const std::string& body) {
  nlohmann::json parsed = nlohmann::json::parse(body, nullptr, false);
  SendResult r;
  r.http_status = http_status;
  std::optional<int64_t> code;
  if (parsed.is_object() && parsed.contains("error") && parsed["error"].is_object()) {
    const auto& err = parsed["error"];
    if (err.contains("code") && err["code"].is_number_integer()) code = err["code"].get<int64_t>();
    r.error.code = code.value_or(0);
    r.error.title = err.value("message", std::string("Graph error"));
    if (err.contains("error_data") && err["error_data"].is_object()) {
      r.error.details = err["error_data"].value("details", std::string());
    }
  } else if (http_status >= 200 && http_status < 300) {
    if (parsed.is_object() && parsed.contains("messages") && parsed["messages"].is_array() &&
        !parsed["messages"].empty() && parsed["messages"][0].contains("id") &&
        parsed["messages"][0]["id"].is_string()) {
      r.wamid = parsed["messages"][0]["id"].get<std::string>();
    } else {
      // 200 without a message id: Meta's contract broken; do not claim it was sent.
      r.verdict = Verdict::kRetry;
      r.error = {0, "unexpected answer", "HTTP 200 without messages[0].id"};
      return r;
    }
  } else {
    r.error = {0, "HTTP " + std::to_string(http_status), body.substr(0, 200)};
  }
  r.verdict = Classify(http_status, code);
  return r;
}

SendResult Client::SendMessage(const std::string& phone_number_id, const std::string& access_token,
                               const std::string& body) const {
  thread_local CurlHandle handle;
  CURL* curl = handle.curl;
  curl_easy_reset(curl);
  std::string url = settings_.base_url + "/" + settings_.version + "/" + phone_number_id + "/messages";
  std::string auth = "Authorization: Bearer " + access_token;
  curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, "Content-Type: application/json");
  headers = curl_slist_append(headers, auth.c_str());
  headers = curl_slist_append(headers, "Expect:");
  std::string response;
  std::optional<int64_t> retry_after;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(settings_.timeout_ms));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(settings_.connect_timeout_ms));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, CollectBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, CollectHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &retry_after);
  CURLcode rc = curl_easy_perform(curl);
  curl_slist_free_all(headers);
  SendResult result;
  if (rc != CURLE_OK) {
    result.verdict = Verdict::kRetry;
    result.error = {0, rc == CURLE_OPERATION_TIMEDOUT ? "timeout" : "connection error", curl_easy_strerror(rc)};
    return result;
  }
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  result = InterpretResponse(static_cast<int>(status), response);
  result.retry_after_ms = retry_after;
  return result;
}

}  // namespace wagate::graph
