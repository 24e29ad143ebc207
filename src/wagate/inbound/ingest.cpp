#include "wagate/inbound/ingest.hpp"

#include <memory>
#include <set>

#include "wagate/core/log.hpp"
#include "wagate/inbound/webhook_auth.hpp"

namespace wagate::inbound {

void Ingest::Receive(std::string body, std::string_view signature, std::function<void(const core::Status&)> done) {
  auto payload = graph::ParseWebhookPayload(body);
  if (!payload) {
    core::Error e = core::Error::Invalid("invalid_json", "the body is not a WhatsApp Business Account webhook");
    Refuse(e, body.size(), {});
    return done(e);
  }
  auto signed_by = AuthenticateDelivery(outlets_, *payload, signature, body);
  if (!signed_by) {
    std::set<std::string> tenants;  // the owners of the numbers it names may see the refusal
    for (const auto& o : NamedOutlets(outlets_, *payload)) tenants.insert(o->tenant_id);
    Refuse(signed_by.error(), body.size(), {tenants.begin(), tenants.end()});
    return done(signed_by.error());
  }
  std::set<std::string> tenants;  // whose outlets signed it: they may follow it, also while pending
  for (const auto& id : *signed_by) {
    if (auto o = outlets_.ById(id)) tenants.insert(o->tenant_id);
  }
  auto delivery = std::make_shared<Delivery>(Delivery{std::move(*payload), std::move(*signed_by)});
  journal_.Append(std::move(body), std::string(signature), {tenants.begin(), tenants.end()}, clock_.NowMs(),
                  [this, delivery, done = std::move(done)](core::Result<int64_t> id) mutable {
                    if (!id) return done(id.error());  // Meta retries non-200s
                    processor_.Handoff(*id, std::move(delivery));
                    done(core::Ok{});
                  });
}

void Ingest::Refuse(const core::Error& error, size_t bytes, std::vector<std::string> tenant_ids) {
  core::LogWarn("inbound.webhook", "webhook rejected", {{"reason", error.code}});
  metrics_.GetCounter("wagate_webhooks_rejected_total", "Webhook deliveries refused", "reason=\"" + error.code + "\"")
      ->Inc();
  int64_t second = clock_.NowMs() / 1000;
  if (reject_second_.exchange(second) != second) rejects_this_second_ = 0;
  if (rejects_this_second_.fetch_add(1) >= kRejectedRecordsPerSecond) return;
  journal_.RecordRejected(error.code, static_cast<int64_t>(bytes), std::move(tenant_ids), clock_.NowMs());
}

}  // namespace wagate::inbound
