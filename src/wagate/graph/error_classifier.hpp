// The one place where a Graph answer becomes a decision: accepted, retry, or fail for good.
#pragma once

#include <cstdint>
#include <optional>

namespace wagate::graph {

enum class Verdict {
  kAccepted,
  kRetry,       // transient: back off and try again (5xx, timeouts, 1, 2, 4, 131000, …)
  kThrottled,   // a rate limit (130429, 131056, HTTP 429): retry, and the lane should slow down
  kRetryLater,  // needs hours or an operator (368, 131042, 131048, 131049, 132015, 133016)
  kFail,        // permanent for this request (100, 131026, 131047, 190, …)
};

// Whom a throttling answer is about: the whole sender number (130429, HTTP 429), or only this number's
// messages to one customer (131056, the pair rate limit). kNone for every answer that is not kThrottled.
// The engine slows a lane or one customer by it, and never reads Graph's codes itself.
enum class ThrottleScope {
  kNone,
  kNumber,
  kPair,
};

// `code` is Graph's error.code when the body carried one; `http_status` 0 means no answer at all.
Verdict Classify(int http_status, std::optional<int64_t> code);
ThrottleScope ClassifyThrottle(int http_status, std::optional<int64_t> code);
const char* ToString(Verdict v);

}  // namespace wagate::graph
