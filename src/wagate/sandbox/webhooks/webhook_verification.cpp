#include "wagate/sandbox/webhooks/webhook_verification.hpp"

#include <curl/curl.h>

#include <algorithm>

#include "wagate/core/url_encoding.hpp"

namespace wagate::sandbox {
namespace {

constexpr size_t kMaxKeptBody = 4096;  // a challenge is a few digits; more is wrong anyway
constexpr size_t kMaxShownBody = 64;   // of a wrong answer, in the error and the log

const char* StateName(VerificationState state) {
  switch (state) {
    case VerificationState::kNotRequired:
      return "not_required";
    case VerificationState::kPending:
      return "pending";
    case VerificationState::kVerified:
      return "verified";
    case VerificationState::kFailed:
      return "failed";
  }
  return "unknown";
}

size_t KeepBody(char* data, size_t size, size_t count, void* target) {
  auto* body = static_cast<std::string*>(target);
  size_t n = size * count;
  if (body->size() < kMaxKeptBody) body->append(data, std::min(n, kMaxKeptBody - body->size()));
  return n;
}

int AbortWhenStopping(void* abort_flag, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<const std::atomic<bool>*>(abort_flag)->load() ? 1 : 0;
}

}  // namespace

nlohmann::json VerificationToJson(const WebhookVerificationStats& stats) {
  return {{"state", StateName(stats.state)},
          {"attempts", stats.attempts},
          {"last_error", stats.last_error ? nlohmann::json(*stats.last_error) : nlohmann::json(nullptr)}};
}

std::string VerificationUrl(const std::string& url, const std::string& verify_token, const std::string& challenge) {
  size_t fragment = url.find('#');
  std::string base = url.substr(0, fragment);
  std::string query = "hub.mode=subscribe&hub.challenge=" + core::UrlEncode(challenge) +
                      "&hub.verify_token=" + core::UrlEncode(verify_token);
  char joiner = base.find('?') == std::string::npos ? '?' : (base.back() == '?' || base.back() == '&' ? '\0' : '&');
  if (joiner != '\0') base += joiner;
  return base + query + (fragment == std::string::npos ? "" : url.substr(fragment));
}

std::optional<std::string> JudgeVerificationAnswer(long status, const std::string& body, const std::string& challenge,
                                                   const std::string& transport_error) {
  if (status == 0) return transport_error.empty() ? std::string("no answer") : transport_error;
  if (status != 200) return "HTTP " + std::to_string(status);
  if (body == challenge) return std::nullopt;
  std::string shown = body.substr(0, kMaxShownBody);
  std::string quoted = nlohmann::json(shown).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (body.size() > kMaxShownBody) quoted.insert(quoted.size() - 1, "…");
  return "answered " + quoted + ", expected the challenge";
}

std::optional<std::string> VerifyEndpoint(const std::string& url, const std::string& verify_token,
                                          const std::string& challenge, std::chrono::milliseconds timeout,
                                          const std::atomic<bool>& abort_flag) {
  CURL* curl = curl_easy_init();
  if (!curl) return std::string("cannot create an HTTP client");
  std::string target = VerificationUrl(url, verify_token, challenge);
  std::string body;
  curl_easy_setopt(curl, CURLOPT_URL, target.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, KeepBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, AbortWhenStopping);
  curl_easy_setopt(curl, CURLOPT_XFERINFODATA, const_cast<std::atomic<bool>*>(&abort_flag));
  CURLcode rc = curl_easy_perform(curl);
  long status = 0;
  std::string error;
  if (rc == CURLE_OK)
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  else
    error = curl_easy_strerror(rc);
  curl_easy_cleanup(curl);
  return JudgeVerificationAnswer(status, body, challenge, error);
}

}  // namespace wagate::sandbox
