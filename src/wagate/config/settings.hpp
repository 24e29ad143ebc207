// Every setting of `wagate serve`, with its default. Filled by config/loader from file, env, flags.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace wagate::config {

// A business event published to the broker (`{"event": "po.approved", …}`) turned into a template
// send (docs/broker.md). Paths are dotted member names into the event ("supplier.phone", "items.0.sku").
struct BrokerMapping {
  std::string event;  // matched against the event's `event` member
  std::string outlet_id;
  std::string template_name;
  std::string language;
  std::string to;                       // path of the recipient's number
  std::vector<std::string> parameters;  // paths of the body's positional parameters, in order
  std::string idempotency_key;          // path of a value unique per event (e.g. "po_number"); "" = none
  std::string priority = "transactional";
};

struct Settings {
  std::string listen_host = "127.0.0.1";
  uint16_t listen_port = 8080;
  std::string data_dir = "./data";
  std::string graph_url = "https://graph.facebook.com";
  std::string graph_version = "v24.0";
  std::string admin_key;
  std::string master_key;  // 64 hex chars; empty = generated into data_dir/master.key
  std::string log_level = "info";
  std::string ready_file;  // written with "host:port" once serving

  int64_t http_max_body_bytes = 1 << 20;
  int64_t http_io_threads = 2;
  int64_t http_worker_threads = 8;
  int64_t http_max_connections = 10000;
  int64_t http_upstream_threads = 16;
  int64_t http_idle_timeout_s = 75;
  std::string http_metrics_token;  // may read /metrics; the admin key always may

  int64_t engine_workers = 16;
  int64_t engine_sync_wait_ms = 60000;
  int64_t engine_retry_max_attempts = 4;
  int64_t engine_retry_base_delay_ms = 1000;
  double engine_retry_jitter = 0.2;
  int64_t engine_graph_timeout_ms = 10000;
  int64_t engine_in_doubt_timeout_ms = 60000;
  std::string engine_in_doubt_policy = "mark_unknown";
  int64_t engine_lane_max_in_flight = 64;
  int64_t engine_throttle_pause_ms = 1000;
  int64_t engine_batch_size = 32;
  int64_t engine_pacing_margin_ms = 20;
  int64_t engine_pacing_margin_max_ms = 250;

  int64_t templates_sync_interval_s = 3600;

  // Outgoing events and pre-send hooks (docs/events.md).
  std::vector<int64_t> events_retry_schedule_s = {0, 5, 300, 1800, 7200, 18000, 36000, 36000};
  int64_t events_timeout_ms = 15000;
  int64_t events_disable_after_s = 5 * 86400;
  bool events_allow_private_targets = false;
  int64_t events_max_in_flight = 16;
  int64_t events_poll_ms = 250;
  int64_t events_retention_s = 7 * 86400;  // 0 = only on demand (and after an outlet is added)

  // Campaigns (docs/campaigns.md).
  std::vector<std::string> campaigns_opt_out_words = {"STOP", "STOPP", "ALTO", "BERHENTI"};
  int64_t campaigns_poll_ms = 50;
  int64_t campaigns_lane_backlog_ms = 1000;
  int64_t campaigns_max_recipients = 1000000;

  // RabbitMQ (docs/broker.md): off while `broker_url` is empty.
  std::string broker_url;  // amqp://user:pass@host:5672/vhost (a secret: never logged)
  std::string broker_queue = "wagate.commands";
  int64_t broker_prefetch = 100;
  std::string broker_dead_letter_exchange = "wagate.dlx";
  std::string broker_dead_letter_queue = "wagate.commands.dead";  // bound to the exchange; "" = not declared
  std::string broker_events_exchange = "wagate.events";           // "" = events are not published
  std::string broker_tenant_id;  // commands without a `tenant_key` belong to this tenant ("" = refused)
  bool broker_declare = true;    // declare the exchanges and queues (off: they must exist)
  int64_t broker_heartbeat_s = 30;
  int64_t broker_reconnect_max_ms = 10000;
  int64_t broker_publish_batch = 500;
  std::vector<BrokerMapping> broker_mappings;
};

}  // namespace wagate::config
