#include "wagate/graph/client.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "wagate/core/json_parse.hpp"

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
    // Seconds (an HTTP date is ignored); clamped to a day so a huge value cannot overflow or stall a lane forever.
    try {
      int64_t seconds = std::stoll(line.substr(12));
      if (seconds >= 0) *retry_after = std::min<int64_t>(seconds, 86'400) * 1000;
    } catch (...) {
    }
  }
  return size * n;
}

struct CurlHandle {
  CURL* curl = curl_easy_init();
  ~CurlHandle() { curl_easy_cleanup(curl); }
};

// One thread's handles for batches: a multi handle and a pool of easy handles that keep their
// connections alive from one batch to the next.
struct CurlBatchPool {
  CURLM* multi = curl_multi_init();
  std::vector<CURL*> easy;
  ~CurlBatchPool() {
    for (CURL* e : easy) curl_easy_cleanup(e);
    curl_multi_cleanup(multi);
  }
  CURL* At(size_t i) {
    while (easy.size() <= i) easy.push_back(curl_easy_init());
    return easy[i];
  }
};

// libcurl's CURLOPT_PREREQFUNCTION: the connection is ready and the request is about to be sent.
int NoteDeparture(void* request, char*, char*, int, int) {
  const auto* req = static_cast<const SendRequest*>(request);
  if (req->on_departure) req->on_departure();
  return CURL_PREREQFUNC_OK;
}

struct Exchange {
  std::string response;
  std::optional<int64_t> retry_after;
  curl_slist* headers = nullptr;
  std::string url, auth;
};

// Options shared by single and batched sends.
void Prepare(CURL* curl, const ClientSettings& settings, const SendRequest& req, Exchange* x) {
  curl_easy_reset(curl);
  x->url = settings.base_url + "/" + settings.version + "/" + req.phone_number_id + "/messages";
  x->auth = "Authorization: Bearer " + req.access_token;
  x->headers = curl_slist_append(x->headers, "Content-Type: application/json");
  x->headers = curl_slist_append(x->headers, x->auth.c_str());
  x->headers = curl_slist_append(x->headers, "Expect:");
  curl_easy_setopt(curl, CURLOPT_URL, x->url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, x->headers);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, req.body.data());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(req.body.size()));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(settings.timeout_ms));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(settings.connect_timeout_ms));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, CollectBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &x->response);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, CollectHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &x->retry_after);
  if (req.on_departure) {
    curl_easy_setopt(curl, CURLOPT_PREREQFUNCTION, NoteDeparture);
    curl_easy_setopt(curl, CURLOPT_PREREQDATA, const_cast<SendRequest*>(&req));
  }
}

SendResult Conclude(CURL* curl, CURLcode rc, Exchange* x) {
  curl_slist_free_all(x->headers);
  x->headers = nullptr;
  SendResult result;
  if (rc != CURLE_OK) {
    result.verdict = Verdict::kRetry;
    result.error = {0, rc == CURLE_OPERATION_TIMEDOUT ? "timeout" : "connection error", curl_easy_strerror(rc)};
    return result;
  }
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  result = InterpretResponse(static_cast<int>(status), x->response);
  result.retry_after_ms = x->retry_after;
  return result;
}

// One request on this thread's own easy handle (and so its keep-alive connection).
SendResult SendOne(const ClientSettings& settings, const SendRequest& request) {
  thread_local CurlHandle handle;
  Exchange x;
  Prepare(handle.curl, settings, request, &x);
  CURLcode rc = curl_easy_perform(handle.curl);
  return Conclude(handle.curl, rc, &x);
}

}  // namespace

std::optional<core::GraphError> GraphErrorOf(const nlohmann::json& parsed) {
  if (!parsed.is_object() || !parsed.contains("error") || !parsed["error"].is_object()) return std::nullopt;
  const auto& err = parsed["error"];
  core::GraphError e;
  if (err.contains("code") && err["code"].is_number_integer()) e.code = err["code"].get<int64_t>();
  if (err.contains("message") && err["message"].is_string()) e.title = err["message"].get<std::string>();
  if (e.title.empty()) e.title = "Graph error";
  if (err.contains("error_data") && err["error_data"].is_object()) {
    const auto& data = err["error_data"];
    if (data.contains("details") && data["details"].is_string()) e.details = data["details"].get<std::string>();
  }
  return e;
}

SendResult InterpretResponse(int http_status, const std::string& body) {
  nlohmann::json parsed = core::ParseUntrustedJson(body);
  SendResult r;
  r.http_status = http_status;
  std::optional<int64_t> code;
  if (auto err = GraphErrorOf(parsed)) {
    r.error = *err;
    if (err->code != 0) code = err->code;
  } else if (http_status >= 200 && http_status < 300) {
    if (parsed.is_object() && parsed.contains("messages") && parsed["messages"].is_array() &&
        !parsed["messages"].empty() && parsed["messages"][0].contains("id") &&
        parsed["messages"][0]["id"].is_string()) {
      r.wamid = parsed["messages"][0]["id"].get<std::string>();
    } else if (parsed.is_object() && parsed.value("success", false) == true) {
      // Mark-as-read and typing indicators answer {"success": true}: done, no message id.
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
  r.throttle = ClassifyThrottle(http_status, code);
  return r;
}

SendResult Client::SendMessage(const std::string& phone_number_id, const std::string& access_token,
                               const std::string& body) const {
  SendRequest request{phone_number_id, access_token, body, nullptr};  // curl reads the body from here
  return SendOne(settings_, request);
}

std::vector<SendResult> Client::SendBatch(const std::vector<SendRequest>& requests) const {
  if (requests.size() == 1) return {SendOne(settings_, requests[0])};
  thread_local CurlBatchPool pool;
  std::vector<Exchange> exchanges(requests.size());
  std::vector<SendResult> results(requests.size());
  for (size_t i = 0; i < requests.size(); ++i) {
    CURL* e = pool.At(i);
    Prepare(e, settings_, requests[i], &exchanges[i]);
    // The request's index rides in curl's private pointer: it is never dereferenced.
    curl_easy_setopt(e, CURLOPT_PRIVATE, reinterpret_cast<char*>(i));  // NOLINT(performance-no-int-to-ptr)
    curl_multi_add_handle(pool.multi, e);
  }
  int running = static_cast<int>(requests.size());
  while (running > 0) {
    if (curl_multi_perform(pool.multi, &running) != CURLM_OK) break;
    if (running > 0) curl_multi_poll(pool.multi, nullptr, 0, 100, nullptr);
  }
  int left = 0;
  while (CURLMsg* msg = curl_multi_info_read(pool.multi, &left)) {
    if (msg->msg != CURLMSG_DONE) continue;
    char* priv = nullptr;
    curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
    size_t i = reinterpret_cast<size_t>(priv);
    results[i] = Conclude(msg->easy_handle, msg->data.result, &exchanges[i]);
  }
  for (size_t i = 0; i < requests.size(); ++i) {
    curl_multi_remove_handle(pool.multi, pool.easy[i]);
    if (exchanges[i].headers) {  // never concluded (multi failure): report as a transport error
      curl_slist_free_all(exchanges[i].headers);
      results[i].verdict = Verdict::kRetry;
      results[i].error = {0, "connection error", "the request did not complete"};
    }
  }
  return results;
}

}  // namespace wagate::graph
