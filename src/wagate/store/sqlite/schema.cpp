#include "wagate/store/sqlite/schema.hpp"

namespace wagate::store::sqlite {

const std::vector<std::string>& Migrations() {
  static const std::vector<std::string> kMigrations = {
      // 1: tenants, outlets, keys, quota, messages, webhook journal.
      R"SQL(
CREATE TABLE tenants (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  monthly_quota INTEGER,               -- NULL = unlimited
  created_at INTEGER NOT NULL
);
CREATE TABLE outlets (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  phone_number_id TEXT NOT NULL UNIQUE,
  waba_id TEXT NOT NULL,
  display_phone_number TEXT NOT NULL,
  access_token_sealed TEXT NOT NULL,   -- AES-256-GCM, see security/secret_box
  app_secret_sealed TEXT NOT NULL,
  verify_token_sealed TEXT NOT NULL,
  throughput_mps INTEGER NOT NULL,
  pair_burst INTEGER NOT NULL DEFAULT 45,        -- messages to one customer in a burst (Meta: 45)
  pair_interval_ms INTEGER NOT NULL DEFAULT 6000,-- then one per interval (Meta: 6 s)
  messaging_tier INTEGER,                        -- unique business-initiated customers / 24 h; NULL = unlimited
  window_policy TEXT NOT NULL DEFAULT 'allow',   -- free-form outside the 24 h window: allow | reject
  created_at INTEGER NOT NULL
);
CREATE INDEX outlets_tenant ON outlets(tenant_id);
CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  prefix TEXT NOT NULL,
  key_hash TEXT NOT NULL UNIQUE,       -- SHA-256 of the key; the key itself is never stored
  created_at INTEGER NOT NULL
);
CREATE TABLE quota_usage (
  tenant_id TEXT NOT NULL,
  month TEXT NOT NULL,                 -- "2026-11" (UTC)
  used INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, month)
);
CREATE TABLE messages (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  outlet_id TEXT NOT NULL,
  conversation_id TEXT,
  to_number TEXT NOT NULL,
  message_type TEXT NOT NULL,
  priority INTEGER NOT NULL DEFAULT 0,  -- 0 transactional, 1 bulk
  body_text TEXT,
  graph_request TEXT NOT NULL,         -- the exact JSON POSTed to Graph
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  claimed_at INTEGER,
  wamid TEXT,
  created_at INTEGER NOT NULL,
  sent_at INTEGER,
  delivered_at INTEGER,
  read_at INTEGER,
  failed_at INTEGER,
  error_code INTEGER,
  error_title TEXT,
  error_details TEXT,
  business_initiated INTEGER NOT NULL DEFAULT 0,  -- sent outside the customer's service window
  deferred_reason TEXT,                            -- why it waits: pair_rate, messaging_tier, throttled
  updated_at INTEGER NOT NULL
);
CREATE INDEX messages_failed ON messages(failed_at) WHERE status = 'failed';
-- Idempotency-Key → the message it created (per tenant, kept at least 24 h).
CREATE TABLE idempotency_keys (
  tenant_id TEXT NOT NULL,
  key TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  message_id TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, key)
);
-- The last time each customer wrote to each outlet: the 24 h customer service window.
CREATE TABLE contacts (
  outlet_id TEXT NOT NULL,
  wa_id TEXT NOT NULL,                 -- digits, as in Meta's webhooks
  last_inbound_at INTEGER NOT NULL,
  PRIMARY KEY (outlet_id, wa_id)
);
CREATE INDEX messages_pending ON messages(status) WHERE status IN ('queued', 'sending');
CREATE INDEX messages_wamid ON messages(wamid) WHERE wamid IS NOT NULL;
CREATE INDEX messages_tenant ON messages(tenant_id, created_at);
CREATE TABLE webhook_journal (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  received_at INTEGER NOT NULL,
  body TEXT NOT NULL,
  processed INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX webhook_journal_unprocessed ON webhook_journal(id) WHERE processed = 0;
-- Statuses for a wamid the gateway does not know yet (the send's answer is not stored yet, and the
-- webhook carried no biz_opaque_callback_data); applied when the answer is stored.
CREATE TABLE orphan_statuses (
  wamid TEXT NOT NULL,
  phone_number_id TEXT NOT NULL,
  status TEXT NOT NULL,
  at INTEGER NOT NULL,
  error_code INTEGER,
  error_title TEXT,
  error_details TEXT,
  received_at INTEGER NOT NULL,
  PRIMARY KEY (wamid, status)
);
)SQL",
      // 2: message types and the templates registry.
      R"SQL(
ALTER TABLE messages ADD COLUMN template_name TEXT;      -- template sends: for the per-template counters
ALTER TABLE messages ADD COLUMN template_language TEXT;
CREATE INDEX messages_template ON messages(template_name, template_language, outlet_id, status)
  WHERE template_name IS NOT NULL;
-- A WABA's message templates as Graph lists them, plus what a send must supply.
CREATE TABLE templates (
  waba_id TEXT NOT NULL,
  name TEXT NOT NULL,
  language TEXT NOT NULL,
  graph_id TEXT NOT NULL,
  category TEXT NOT NULL,
  status TEXT NOT NULL,                -- APPROVED, PENDING, REJECTED, PAUSED, DISABLED, …
  parameter_format TEXT NOT NULL,      -- positional | named
  components TEXT NOT NULL,            -- JSON, as Graph lists them
  parameters TEXT NOT NULL,            -- JSON {"header":1,"body":3,"button:0":1}: parameters a send must give
  status_reason TEXT,                  -- REJECTED/PAUSED reason from Graph or the status webhook
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (waba_id, name, language)
);
CREATE INDEX templates_graph_id ON templates(graph_id);
-- When each WABA's templates were last synced from Graph.
CREATE TABLE template_syncs (
  waba_id TEXT PRIMARY KEY,
  synced_at INTEGER NOT NULL,
  template_count INTEGER NOT NULL
);
)SQL",
      // 3: the signature a webhook came with, so each change is applied only if the app secret of
      // the WABA it touches signed it (NULL: journaled before this check existed).
      R"SQL(
ALTER TABLE webhook_journal ADD COLUMN signature TEXT;
-- One row the writer rewrites to find out whether the disk has room again after a write failed.
CREATE TABLE store_probe (id INTEGER PRIMARY KEY, at INTEGER NOT NULL);
)SQL",
      // 4: conversations (both directions of history), reactions, per-payload webhook outcomes, and
      // the outlet's account signals. Customers' last inbound times move from `contacts` into
      // conversations, which now own the service window.
      R"SQL(
CREATE TABLE conversations (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  outlet_id TEXT NOT NULL,
  wa_id TEXT NOT NULL,                 -- the customer, digits
  profile_name TEXT,
  profile_name_at INTEGER,             -- Meta time of the message that named it: the newest wins
  unread_count INTEGER NOT NULL DEFAULT 0,
  last_inbound_at INTEGER,             -- Meta time of the customer's newest message
  last_id TEXT,                        -- the newest message (Meta time, then id): either direction
  last_direction TEXT,
  last_type TEXT,
  last_preview TEXT,
  last_at INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,         -- gateway time of the last change
  UNIQUE (outlet_id, wa_id)
);
CREATE INDEX conversations_outlet_recent ON conversations(outlet_id, updated_at, id);
CREATE INDEX conversations_tenant_recent ON conversations(tenant_id, updated_at, id);
CREATE INDEX conversations_last_inbound ON conversations(last_inbound_at) WHERE last_inbound_at IS NOT NULL;
-- Customers' messages (not reactions: those are below), once per (outlet, wamid).
CREATE TABLE inbound_messages (
  id TEXT PRIMARY KEY,                 -- "in_" + a hash of (outlet, wamid): the same on every redelivery
  conversation_id TEXT NOT NULL,
  outlet_id TEXT NOT NULL,
  wamid TEXT NOT NULL,
  type TEXT NOT NULL,
  content TEXT NOT NULL,               -- JSON: the type's object as Meta sent it
  preview TEXT NOT NULL,
  context_id TEXT,
  context_from TEXT,
  forwarded INTEGER NOT NULL DEFAULT 0,
  frequently_forwarded INTEGER NOT NULL DEFAULT 0,
  referral TEXT,
  errors TEXT,
  media_id TEXT,
  at INTEGER NOT NULL,                 -- Meta's timestamp
  received_at INTEGER NOT NULL,
  UNIQUE (outlet_id, wamid)
);
CREATE INDEX inbound_messages_history ON inbound_messages(conversation_id, at, id);
-- The newest reaction of each customer to each message (by Meta time, then reaction wamid); '' = removed.
CREATE TABLE reactions (
  outlet_id TEXT NOT NULL,
  target_wamid TEXT NOT NULL,
  wa_id TEXT NOT NULL,
  emoji TEXT NOT NULL,
  at INTEGER NOT NULL,
  reaction_wamid TEXT NOT NULL,
  PRIMARY KEY (outlet_id, target_wamid, wa_id)
);
ALTER TABLE messages ADD COLUMN conversation_ref TEXT;  -- conversations.id (not the caller's conversation_id)
ALTER TABLE messages ADD COLUMN pricing_category TEXT;
ALTER TABLE messages ADD COLUMN pricing_type TEXT;
ALTER TABLE messages ADD COLUMN pricing_model TEXT;
CREATE INDEX messages_conversation ON messages(conversation_ref, created_at, id) WHERE conversation_ref IS NOT NULL;
CREATE INDEX messages_caller_conversation ON messages(tenant_id, conversation_id, created_at)
  WHERE conversation_id IS NOT NULL;
ALTER TABLE webhook_journal ADD COLUMN outcome TEXT;         -- applied | skipped | rejected; NULL while pending
ALTER TABLE webhook_journal ADD COLUMN outcome_reason TEXT;
ALTER TABLE webhook_journal ADD COLUMN details TEXT;         -- JSON counts
ALTER TABLE webhook_journal ADD COLUMN processed_at INTEGER;
ALTER TABLE webhook_journal ADD COLUMN bytes INTEGER;
CREATE INDEX webhook_journal_outcome ON webhook_journal(outcome, id);
-- Whose outlets a journaled payload touched: who may see its outcome.
CREATE TABLE webhook_event_tenants (
  tenant_id TEXT NOT NULL,
  journal_id INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, journal_id)
) WITHOUT ROWID;
CREATE TABLE outlet_signals (
  outlet_id TEXT NOT NULL,
  field TEXT NOT NULL,                 -- phone_number_quality_update, account_update, …
  at INTEGER NOT NULL,                 -- Meta time: an older signal never replaces a newer one
  value TEXT NOT NULL,                 -- JSON, as Meta sent it
  received_at INTEGER NOT NULL,
  PRIMARY KEY (outlet_id, field)
);
INSERT INTO conversations(id, tenant_id, outlet_id, wa_id, last_inbound_at, created_at, updated_at)
  SELECT 'cnv_' || lower(hex(randomblob(13))), o.tenant_id, k.outlet_id, k.wa_id, k.last_inbound_at,
         k.last_inbound_at, k.last_inbound_at
  FROM contacts k JOIN outlets o ON o.id = k.outlet_id;
DROP TABLE contacts;
)SQL",
      // 5: the outcome index holds processed rows only, so journaling a webhook (the request path)
      // writes one index less.
      R"SQL(
DROP INDEX webhook_journal_outcome;
CREATE INDEX webhook_journal_outcome ON webhook_journal(outcome, id) WHERE outcome IS NOT NULL;
)SQL",
      // 6: outgoing events. Subscriptions, the outbox (an event once, a delivery per subscription that
      // takes it, every attempt logged) and pre-send hooks. The partial indexes hold pending deliveries
      // only, so a finished one costs no index maintenance on the deliverer's path.
      R"SQL(
CREATE TABLE subscriptions (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  url TEXT NOT NULL,
  events TEXT NOT NULL,                -- JSON array of types, prefixes ("message.*") or "*"
  headers TEXT NOT NULL DEFAULT '{}',  -- JSON object of custom headers
  kind TEXT NOT NULL DEFAULT 'webhook',
  secret_sealed TEXT NOT NULL,
  previous_secret_sealed TEXT,         -- still signs until previous_secret_expires_at (a rotation's overlap)
  previous_secret_expires_at INTEGER,
  enabled INTEGER NOT NULL DEFAULT 1,
  ordered INTEGER NOT NULL DEFAULT 0,
  disabled_reason TEXT,
  failing_since INTEGER,               -- first failed attempt since the last success
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX subscriptions_tenant ON subscriptions(tenant_id, enabled);
CREATE TABLE events (
  id INTEGER PRIMARY KEY,
  webhook_id TEXT NOT NULL,            -- the Standard Webhooks message id: stable across retries and replays
  tenant_id TEXT NOT NULL,
  type TEXT NOT NULL,
  payload TEXT NOT NULL,               -- the JSON body every subscriber gets
  created_at INTEGER NOT NULL
);
CREATE TABLE deliveries (
  id INTEGER PRIMARY KEY,
  subscription_id TEXT NOT NULL,
  event_id INTEGER NOT NULL,
  event_type TEXT NOT NULL,
  ordering_key TEXT NOT NULL,          -- the conversation, for ordered subscriptions
  status TEXT NOT NULL,                -- pending | succeeded | failed
  attempts INTEGER NOT NULL DEFAULT 0,
  retry_index INTEGER NOT NULL DEFAULT 0,  -- attempts since created or last replayed: the schedule's position
  next_attempt_at INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  finished_at INTEGER
);
CREATE INDEX deliveries_due ON deliveries(subscription_id, next_attempt_at, id) WHERE status = 'pending';
CREATE INDEX deliveries_order ON deliveries(subscription_id, ordering_key, id) WHERE status = 'pending';
CREATE INDEX deliveries_log ON deliveries(subscription_id, id);
CREATE INDEX deliveries_event ON deliveries(event_id);
CREATE INDEX deliveries_finished ON deliveries(finished_at) WHERE status != 'pending';
CREATE TABLE delivery_attempts (
  delivery_id INTEGER NOT NULL,
  n INTEGER NOT NULL,
  at INTEGER NOT NULL,
  status_code INTEGER NOT NULL,        -- 0: no HTTP answer
  latency_ms INTEGER NOT NULL,
  error_class TEXT NOT NULL,
  response_excerpt TEXT NOT NULL,
  PRIMARY KEY (delivery_id, n)
) WITHOUT ROWID;
CREATE TABLE presend_hooks (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  outlet_id TEXT,                      -- NULL: the tenant's default
  url TEXT NOT NULL,
  secret_sealed TEXT NOT NULL,
  timeout_ms INTEGER NOT NULL,
  failure_policy TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX presend_hooks_scope ON presend_hooks(tenant_id, COALESCE(outlet_id, ''));
)SQL",
      // 7: campaigns and suppressions. A campaign's recipients are rows here until the runner turns
      // each into a message (messages.campaign_id/campaign_seq point back); the campaign's counters
      // are kept in step with its messages' transitions in the same writes, so progress is one row read.
      R"SQL(
ALTER TABLE messages ADD COLUMN campaign_id TEXT;
ALTER TABLE messages ADD COLUMN campaign_seq INTEGER;
ALTER TABLE messages ADD COLUMN expires_at INTEGER;  -- validity: never sent after it (failed, expired)
CREATE INDEX messages_campaign_queued ON messages(campaign_id) WHERE campaign_id IS NOT NULL AND status = 'queued';
CREATE INDEX messages_expiry ON messages(expires_at) WHERE expires_at IS NOT NULL AND status = 'queued';
CREATE TABLE campaigns (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  outlet_id TEXT NOT NULL,
  name TEXT NOT NULL,
  status TEXT NOT NULL,                -- draft | scheduled | running | paused | completed | cancelled | expired
  status_reason TEXT,                  -- why it paused by itself (quota_exceeded) or ended
  message TEXT NOT NULL,               -- JSON: the send's content members, placeholders not yet filled
  variables TEXT NOT NULL,             -- JSON array: the placeholders the message uses
  max_mps INTEGER,
  delay_ms INTEGER,
  jitter_ms INTEGER,
  start_at INTEGER,
  expires_at INTEGER,
  ttl_s INTEGER,                       -- validity counted from the start (when expires_at is not given)
  uploads INTEGER NOT NULL DEFAULT 0,
  total INTEGER NOT NULL DEFAULT 0,    -- rows received
  invalid INTEGER NOT NULL DEFAULT 0,
  duplicates INTEGER NOT NULL DEFAULT 0,
  suppressed INTEGER NOT NULL DEFAULT 0,
  pending INTEGER NOT NULL DEFAULT 0,  -- valid recipients not yet turned into messages
  fed INTEGER NOT NULL DEFAULT 0,      -- turned into messages
  settled INTEGER NOT NULL DEFAULT 0,  -- of those, no longer waiting to be sent
  sent INTEGER NOT NULL DEFAULT 0,     -- reached at least sent (a funnel: delivered, read likewise)
  delivered INTEGER NOT NULL DEFAULT 0,
  read INTEGER NOT NULL DEFAULT 0,
  failed INTEGER NOT NULL DEFAULT 0,
  in_doubt INTEGER NOT NULL DEFAULT 0,
  cancelled INTEGER NOT NULL DEFAULT 0,
  expired INTEGER NOT NULL DEFAULT 0,
  replied INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  started_at INTEGER,
  completed_at INTEGER,
  updated_at INTEGER NOT NULL
);
CREATE INDEX campaigns_tenant ON campaigns(tenant_id, created_at);
CREATE INDEX campaigns_active ON campaigns(status) WHERE status IN ('scheduled', 'running', 'paused');
CREATE TABLE campaign_recipients (
  campaign_id TEXT NOT NULL,
  seq INTEGER NOT NULL,                -- upload order
  upload INTEGER NOT NULL,
  row INTEGER NOT NULL,                -- data row of its upload (1 = the first)
  phone TEXT NOT NULL,                 -- E.164
  variables TEXT NOT NULL,             -- JSON object
  status TEXT NOT NULL,                -- pending, then its message's status, or suppressed | cancelled | expired
  message_id TEXT,
  reached INTEGER NOT NULL DEFAULT 0,  -- furthest of sent (1), delivered (2), read (3) its message reached
  replied INTEGER NOT NULL DEFAULT 0,
  updated_at INTEGER,
  PRIMARY KEY (campaign_id, seq)
) WITHOUT ROWID;
-- No index on phone: an upload finds duplicates in memory (campaign_repo::RecipientPhones); a unique
-- index on a random key made each batch of a large upload rewrite thousands of scattered pages.
CREATE TABLE campaign_rejected (
  campaign_id TEXT NOT NULL,
  upload INTEGER NOT NULL,
  row INTEGER NOT NULL,
  phone TEXT NOT NULL,
  reason TEXT NOT NULL,                -- invalid_phone_number | duplicate | suppressed | missing_variable:NAME | …
  PRIMARY KEY (campaign_id, upload, row)
) WITHOUT ROWID;
CREATE TABLE campaign_errors (
  campaign_id TEXT NOT NULL,
  code INTEGER NOT NULL,
  n INTEGER NOT NULL,
  PRIMARY KEY (campaign_id, code)
) WITHOUT ROWID;
CREATE TABLE suppressions (
  tenant_id TEXT NOT NULL,
  phone TEXT NOT NULL,                 -- E.164
  reason TEXT NOT NULL,
  source TEXT NOT NULL,                -- api | import | opt_out
  created_at INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, phone)
) WITHOUT ROWID;
)SQL",
      // 8: pruning by age without scanning whole tables (journal_repo::Prune): a journal entry's
      // tenants are found by its id.
      R"SQL(
CREATE INDEX webhook_event_tenants_journal ON webhook_event_tenants(journal_id);
)SQL",
  };
  return kMigrations;
}

}  // namespace wagate::store::sqlite
