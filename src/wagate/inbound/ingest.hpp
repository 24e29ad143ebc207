// The webhook fast path: parse once, authenticate, journal durably (group commit), then answer — and
// hand the parsed delivery to the processor. Nothing else happens before Meta hears 200.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <string_view>

#include "wagate/core/clock.hpp"
#include "wagate/core/result.hpp"
#include "wagate/inbound/processor.hpp"
#include "wagate/metrics/registry.hpp"
#include "wagate/store/webhook_journal.hpp"
#include "wagate/tenancy/outlet_registry.hpp"

namespace wagate::inbound {

// Thread-safe.
class Ingest final {
 public:
  // Refused deliveries recorded per second at most (GET /api/v1/webhook-events): beyond that they are
  // only counted, so a flood of forged requests cannot turn into a flood of writes.
  static constexpr int64_t kRejectedRecordsPerSecond = 20;

  Ingest(store::WebhookJournal& journal, const tenancy::OutletRegistry& outlets, Processor& processor,
         metrics::Registry& metrics, const core::Clock& clock)
      : journal_(journal), outlets_(outlets), processor_(processor), metrics_(metrics), clock_(clock) {}

  // `done` gets Ok once the body is durable (then, and only then, may Meta hear 200), or why it was
  // refused: kInvalid `invalid_json` (not a WhatsApp Business Account webhook), kUnauthorized
  // (webhook_auth.hpp), or the store's error. Runs on the caller's thread, then on a store thread.
  void Receive(std::string body, std::string_view signature, std::function<void(const core::Status&)> done);

 private:
  void Refuse(const core::Error& error, size_t bytes, std::vector<std::string> tenant_ids);
  store::WebhookJournal& journal_;
  const tenancy::OutletRegistry& outlets_;
  Processor& processor_;
  metrics::Registry& metrics_;
  const core::Clock& clock_;
  std::atomic<int64_t> reject_second_{0};
  std::atomic<int64_t> rejects_this_second_{0};
};

}  // namespace wagate::inbound
