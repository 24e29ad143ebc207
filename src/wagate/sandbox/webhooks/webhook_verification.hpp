// Meta's webhook subscription handshake (cloud-api.md §4.1), as the sandbox performs it before any delivery:
// GET <callback>?hub.mode=subscribe&hub.challenge=<digits>&hub.verify_token=<token>, passed only by HTTP 200
// whose body is exactly the challenge.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace wagate::sandbox {

enum class VerificationState {
  kNotRequired,  // no verify token (or no URL): webhooks leave without a handshake
  kPending,      // no answer yet for the current URL and token
  kVerified,     // the endpoint echoed the challenge: webhooks may leave
  kFailed,       // the last attempt failed; retried with the delivery backoff
};

struct WebhookVerificationStats {
  VerificationState state = VerificationState::kNotRequired;
  uint64_t attempts = 0;                  // finished attempts for the current URL and token
  std::optional<std::string> last_error;  // of the last attempt; none after a success
};

// {"state":"not_required"|"pending"|"verified"|"failed","attempts":N,"last_error":"…"|null}
nlohmann::json VerificationToJson(const WebhookVerificationStats& stats);

// `url` with the three hub.* parameters appended (after `&` when it already has a query, before any
// fragment); the token is percent-encoded.
std::string VerificationUrl(const std::string& url, const std::string& verify_token, const std::string& challenge);

// Why an answer does not pass the handshake ("HTTP 403", "answered \"xyz\", expected the challenge"), or
// nullopt when it does. `status` 0 = no answer (then `transport_error` says why).
std::optional<std::string> JudgeVerificationAnswer(long status, const std::string& body, const std::string& challenge,
                                                   const std::string& transport_error);

// Performs the GET (one fresh connection, `timeout` overall; aborted when `abort_flag` turns true) and
// judges its answer. Blocking: called by a delivery thread without the sender's lock.
std::optional<std::string> VerifyEndpoint(const std::string& url, const std::string& verify_token,
                                          const std::string& challenge, std::chrono::milliseconds timeout,
                                          const std::atomic<bool>& abort_flag);

}  // namespace wagate::sandbox
