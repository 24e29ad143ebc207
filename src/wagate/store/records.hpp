// Rows of the store as plain values, the same for every backend.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "wagate/core/graph_error.hpp"
#include "wagate/core/message_status.hpp"

namespace wagate::store {

struct TenantRecord {
  std::string id;
  std::string name;
  std::optional<int64_t> monthly_quota;  // nullopt = unlimited
  int64_t created_at = 0;
};

// Secrets are kept sealed (encrypted) in this record; see security/secret_box.
struct OutletRecord {
  std::string id;
  std::string tenant_id;
  std::string name;
  std::string phone_number_id;
  std::string waba_id;
  std::string display_phone_number;
  std::string access_token_sealed;
  std::string app_secret_sealed;
  std::string verify_token_sealed;
  int64_t throughput_mps = 80;
  int64_t pair_burst = 45;
  int64_t pair_interval_ms = 6000;
  std::optional<int64_t> messaging_tier;  // nullopt = unlimited
  std::string window_policy = "allow";    // allow | reject
  int64_t created_at = 0;
};

struct ApiKeyRecord {
  std::string id;
  std::string tenant_id;
  std::string name;
  std::string prefix;    // first characters of the key, to recognise it in lists
  std::string key_hash;  // SHA-256 hex
  int64_t created_at = 0;
};

using GraphError = core::GraphError;

struct MessageRecord {
  std::string id;
  std::string tenant_id;
  std::string outlet_id;
  std::optional<std::string> conversation_id;   // the caller's (a CRM thread), as given to the send
  std::optional<std::string> conversation_ref;  // the gateway's conversation with the customer (cnv_…)
  std::string to_number;
  std::string message_type;
  int64_t priority = 0;  // 0 transactional, 1 bulk
  std::optional<std::string> body_text;
  std::string graph_request;
  core::MessageStatus status = core::MessageStatus::kQueued;
  int64_t attempts = 0;
  int64_t next_attempt_at = 0;
  std::optional<int64_t> claimed_at;
  std::optional<std::string> wamid;
  int64_t created_at = 0;
  std::optional<int64_t> sent_at, delivered_at, read_at, failed_at;
  std::optional<GraphError> error;
  bool business_initiated = false;
  std::optional<std::string> deferred_reason;
  std::optional<std::string> template_name;  // template sends
  std::optional<std::string> template_language;
  // From the status webhooks' `pricing` (the first one that carried it).
  std::optional<std::string> pricing_category, pricing_type, pricing_model;
  // A campaign's message: its campaign and recipient (store/campaign_store.hpp). Accept links the
  // recipient in the same write; a campaign that is not running has its messages left unclaimed.
  std::optional<std::string> campaign_id;
  std::optional<int64_t> campaign_seq;
  std::optional<int64_t> expires_at;  // validity: never sent after it (failed with reason expired)
};

}  // namespace wagate::store
