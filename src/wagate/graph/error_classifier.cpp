#include "wagate/graph/error_classifier.hpp"

namespace wagate::graph {

Verdict Classify(int http_status, std::optional<int64_t> code) {
  if (http_status >= 200 && http_status < 300 && !code) return Verdict::kAccepted;
  if (code) {
    switch (*code) {
      case 130429:
      case 131056:
        return Verdict::kThrottled;
      case 1:
      case 2:
      case 4:
      case 80007:
      case 131000:
      case 131016:
      case 131057:
        return Verdict::kRetry;
      case 368:
      case 131042:
      case 131048:
      case 131049:
      case 132015:
      case 133016:
        return Verdict::kRetryLater;
      default:
        return Verdict::kFail;
    }
  }
  if (http_status == 0 || http_status >= 500) return Verdict::kRetry;  // no answer, or a server error
  if (http_status == 429) return Verdict::kThrottled;
  return Verdict::kFail;
}

ThrottleScope ClassifyThrottle(int http_status, std::optional<int64_t> code) {
  if (Classify(http_status, code) != Verdict::kThrottled) return ThrottleScope::kNone;
  return code == 131056 ? ThrottleScope::kPair : ThrottleScope::kNumber;
}

const char* ToString(Verdict v) {
  switch (v) {
    case Verdict::kAccepted:
      return "accepted";
    case Verdict::kRetry:
      return "retry";
    case Verdict::kThrottled:
      return "throttled";
    case Verdict::kRetryLater:
      return "retry_later";
    case Verdict::kFail:
      return "failed";
  }
  return "failed";
}

}  // namespace wagate::graph
