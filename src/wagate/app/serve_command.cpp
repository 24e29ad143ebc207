#include "wagate/app/serve_command.hpp"

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <map>

#include "wagate/api/api_context.hpp"
#include "wagate/api/routes.hpp"
#include "wagate/broker/command_consumer.hpp"
#include "wagate/broker/event_publisher.hpp"
#include "wagate/campaigns/runner.hpp"
#include "wagate/config/loader.hpp"
#include "wagate/conversation/contact_windows.hpp"
#include "wagate/core/lag_monitor.hpp"
#include "wagate/core/log.hpp"
#include "wagate/engine/lane_metrics.hpp"
#include "wagate/http/server.hpp"
#include "wagate/metrics/registry.hpp"
#include "wagate/store/sqlite/open_sqlite.hpp"

extern char** environ;

namespace wagate::app {
namespace {

// A wake-up this late counts as a scheduling stall (the monitor wakes every 5 ms).
constexpr int64_t kStallThresholdMs = 5;

std::map<std::string, std::string> Environment() {
  std::map<std::string, std::string> env;
  for (char** e = environ; *e; ++e) {
    std::string kv = *e;
    size_t eq = kv.find('=');
    if (eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  return env;
}

void PrintHelp() {
  std::cout << "usage: wagate serve [--listen HOST:PORT] [--data DIR] [--graph-url URL] [--admin-key KEY]\n"
               "                    [--config FILE] [--ready-file PATH] [--log-level LEVEL] [--set KEY=VALUE]...\n\n"
               "Settings (TOML file keys; [section] tables for dotted names; each also from its env var):\n"
            << config::DescribeKeys();
}

// Counts requests and their latency per route (the route pattern, never the raw path: bounded labels).
http::RequestObserver HttpMetrics(metrics::Registry& m) {
  return [&m](const http::Request& req, int status, double secs) {
    std::string route = req.route.empty() ? "unmatched" : req.route;
    m.GetCounter("wagate_http_requests_total", "HTTP requests by route, method and status",
                 "route=\"" + metrics::EscapeLabel(route) + "\",method=\"" + req.method + "\",code=\"" +
                     std::to_string(status) + "\"")
        ->Inc();
    m.GetHistogram("wagate_http_request_duration_seconds", "HTTP request latency by route",
                   "route=\"" + metrics::EscapeLabel(route) + "\"")
        ->Observe(secs);
  };
}

}  // namespace

int RunServe(const std::vector<std::string>& args) {
  for (const auto& a : args) {
    if (a == "--help" || a == "-h") {
      PrintHelp();
      return 0;
    }
  }
  auto loaded = config::LoadSettings(args, Environment());
  if (!loaded) {
    std::cerr << "wagate serve: " << loaded.error().message << "\n";
    return 2;
  }
  config::Settings& s = *loaded;
  core::LogLevel level;
  if (core::ParseLogLevel(s.log_level, &level)) core::SetLogLevel(level);
  if (s.admin_key.empty()) core::LogWarn("app", "no admin key set: the admin API is disabled (set WAGATE_ADMIN_KEY)");
  if (std::find(args.begin(), args.end(), "--admin-key") != args.end() ||
      std::any_of(args.begin(), args.end(), [](const std::string& a) { return a.rfind("--admin-key=", 0) == 0; })) {
    core::LogWarn("app",
                  "--admin-key puts the key in the process list (/proc/*/cmdline); prefer WAGATE_ADMIN_KEY "
                  "or admin_key in a config file readable only by wagate");
  }

  if (std::string err = PreparePrivateDataDir(s.data_dir); !err.empty()) {
    std::cerr << "wagate serve: " << err << "\n";
    return 2;
  }
  uint64_t open_files = RaiseOpenFileLimit();
  auto master = security::LoadOrCreateMasterKey(s.master_key, s.data_dir);
  if (!master) {
    std::cerr << "wagate serve: " << master.error().message << "\n";
    return 2;
  }
  security::SecretBox box(*master);

  BlockStopSignals();
  auto opened = store::sqlite::OpenSqliteStores({s.data_dir + "/wagate.db", 4, 512});
  if (!opened) {
    std::cerr << "wagate serve: " << opened.error().message << "\n";
    return 1;
  }
  store::Stores& stores = *opened;
  core::SystemClock clock;
  metrics::Registry metrics;
  tenancy::OutletRegistry outlets(box);
  tenancy::KeyRegistry keys(s.admin_key);
  tenancy::AdminService admin(*stores.tenants, box, outlets, keys, clock);
  if (core::Status st = admin.LoadRegistries(); !st.ok()) {
    std::cerr << "wagate serve: " << st.error().message << "\n";
    return 1;
  }
  graph::Client graph({s.graph_url, s.graph_version, s.engine_graph_timeout_ms, 3000});
  engine::OutcomeWaiters waiters(clock);
  engine::EngineSettings es;
  es.workers = static_cast<int>(s.engine_workers);
  es.retry = {s.engine_retry_max_attempts, s.engine_retry_base_delay_ms, s.engine_retry_jitter};
  es.in_doubt_timeout_ms = s.engine_in_doubt_timeout_ms;
  es.lane_max_in_flight = s.engine_lane_max_in_flight;
  es.throttle_pause_ms = s.engine_throttle_pause_ms;
  es.batch_size = s.engine_batch_size;
  es.in_doubt_policy =
      s.engine_in_doubt_policy == "resend" ? engine::InDoubtPolicy::kResend : engine::InDoubtPolicy::kMarkUnknown;
  conversation::ContactWindows windows;
  // Our own scheduling stalls size the send window's jitter margin (engine/rate/pacing_margin.hpp).
  core::LagMonitor stalls(kStallThresholdMs, 4096);
  engine::PacingMargin pacing_margin(
      {s.engine_pacing_margin_ms, s.engine_pacing_margin_max_ms, 30'000},
      [&stalls](int64_t since_ms) { return stalls.MaxLagSinceMs(since_ms); }, clock);
  core::SystemRandom random;
  engine::Dispatcher dispatcher(es, *stores.messages, outlets, graph, clock, random, waiters, windows, metrics,
                                pacing_margin);
  graph::ManagementClient graph_admin({s.graph_url, s.graph_version, s.engine_graph_timeout_ms, 3000});
  templates::TemplateRegistry templates(*stores.templates, graph_admin, outlets, clock);
  templates.Load();
  media::MediaService media(graph_admin);
  inbound::Processor processor({*stores.journal, *stores.contacts, *stores.tenants, clock, metrics, outlets, windows,
                                &templates, &admin, s.campaigns_opt_out_words});
  inbound::Ingest ingest(*stores.journal, outlets, processor, metrics, clock);
  messaging::SendService sender(*stores.messages, outlets, dispatcher, windows, templates, clock);

  admin.AddOutletObserver([&dispatcher, &templates](const store::OutletRecord& o, tenancy::OutletChange change) {
    if (change == tenancy::OutletChange::kLimitsChanged)
      dispatcher.Reconfigure(o.id);  // the lane's limits change at once
    if (change == tenancy::OutletChange::kCreated) templates.RequestSync(o.waba_id);  // learn the WABA's templates soon
  });
  messaging::DeadLetters dead_letters(*stores.messages, dispatcher, clock);
  messaging::ConversationReads reads(*stores.conversations, sender, clock);

  // Outgoing events and pre-send hooks share one HTTP client (its own thread, kept-alive connections).
  events::TargetPolicy targets;
  targets.allow_private = s.events_allow_private_targets;
  events::PosterSettings poster_settings;
  poster_settings.targets = targets;
  events::HttpPoster poster(poster_settings);
  events::Subscriptions subscriptions(*stores.events, box, clock, targets);
  events::DelivererSettings ds;
  ds.schedule.delays_s = s.events_retry_schedule_s;
  ds.timeout_ms = s.events_timeout_ms;
  ds.disable_after_ms = s.events_disable_after_s * 1000;
  ds.max_in_flight = s.events_max_in_flight;
  ds.poll_ms = s.events_poll_ms;
  ds.retention_ms = s.events_retention_s * 1000;
  events::Deliverer deliverer(*stores.events, subscriptions, poster, outlets, clock, random, &metrics, ds);
  subscriptions.OnChange([&deliverer] { deliverer.Wake(); });
  events::PresendHooks hooks(*stores.events, box, poster, clock, targets, &metrics);
  hooks.Load();

  // Campaigns: the service behind the API, and the runner that feeds recipients to the lanes.
  campaigns::CampaignService campaign_service(*stores.campaigns, outlets, templates, clock,
                                              campaigns::UploadLimits{s.campaigns_max_recipients});
  campaigns::SuppressionList suppressions(*stores.campaigns, clock);
  campaigns::RunnerSettings rs;
  rs.poll_ms = s.campaigns_poll_ms;
  rs.lane_backlog_ms = s.campaigns_lane_backlog_ms;
  campaigns::Runner runner(*stores.campaigns, sender, dispatcher, outlets, clock, random, rs);
  campaign_service.SetRunner(&runner);

  api::ApiContext ctx{*stores.messages,
                      *stores.templates,
                      *stores.journal,
                      *stores.conversations,
                      *stores.tenants,
                      *stores.events,
                      *stores.health,
                      dead_letters,
                      admin,
                      keys,
                      outlets,
                      sender,
                      reads,
                      dispatcher,
                      waiters,
                      windows,
                      processor,
                      ingest,
                      templates,
                      media,
                      subscriptions,
                      deliverer,
                      hooks,
                      metrics,
                      clock,
                      s.engine_sync_wait_ms};
  ctx.stalls = &stalls;
  ctx.metrics_token = s.http_metrics_token;
  ctx.pacing_margin = &pacing_margin;
  ctx.campaigns = &campaign_service;
  ctx.suppressions = &suppressions;
  // RabbitMQ (docs/broker.md): send commands in, events out. Each link has its own thread and
  // reconnects on its own; without broker.url neither exists and the broker's outbox feed is disabled.
  bool publish_events = !s.broker_url.empty() && !s.broker_events_exchange.empty();
  if (core::Status st = broker::PrepareEventFeed(
          *stores.events, publish_events,
          publish_events ? broker::DescribeUrl(s.broker_url) + " exchange " + s.broker_events_exchange : "",
          clock.NowMs());
      !st.ok()) {
    std::cerr << "wagate serve: " << st.error().message << "\n";
    return 1;
  }
  std::unique_ptr<broker::CommandConsumer> consumer;
  std::unique_ptr<broker::EventPublisher> publisher;
  if (!s.broker_url.empty()) {
    broker::LinkSettings link{s.broker_url, static_cast<int>(s.broker_heartbeat_s)};
    broker::ConsumerSettings cs;
    cs.link = link;
    cs.queue = s.broker_queue;
    cs.prefetch = static_cast<uint16_t>(s.broker_prefetch);
    cs.dead_letter_exchange = s.broker_dead_letter_exchange;
    cs.dead_letter_queue = s.broker_dead_letter_queue;
    cs.declare = s.broker_declare;
    cs.reconnect_max_ms = s.broker_reconnect_max_ms;
    broker::DecoderSettings decoder{s.broker_tenant_id, s.broker_mappings, static_cast<size_t>(s.http_max_body_bytes)};
    broker::DecoderLookups lookups{[&keys](const std::string& key) { return keys.Authenticate("Bearer " + key); },
                                   [&outlets](const std::string& outlet_id) -> std::optional<std::string> {
                                     auto o = outlets.ById(outlet_id);
                                     return o ? std::optional<std::string>(o->tenant_id) : std::nullopt;
                                   }};
    consumer =
        std::make_unique<broker::CommandConsumer>(cs, std::move(decoder), std::move(lookups), sender, metrics, clock);
    if (publish_events) {
      broker::PublisherSettings ps;
      ps.link = link;
      ps.exchange = s.broker_events_exchange;
      ps.declare = s.broker_declare;
      ps.batch = s.broker_publish_batch;
      ps.poll_ms = s.events_poll_ms;
      ps.reconnect_max_ms = s.broker_reconnect_max_ms;
      publisher = std::make_unique<broker::EventPublisher>(ps, *stores.events, metrics, clock);
    }
    ctx.broker_health = [&consumer, &publisher, &clock] {
      nlohmann::json j = {{"consumer", consumer->health().ToJson(clock.NowMs())}};
      if (publisher) j["publisher"] = publisher->health().ToJson(clock.NowMs());
      return j;
    };
  }

  metrics.AddGauge("wagate_queue_depth", "Messages waiting in the engine (queued, retrying, in doubt)",
                   [&] { return static_cast<double>(dispatcher.QueueDepth()); });
  metrics.AddGauge("wagate_sends_in_flight", "Graph requests in flight",
                   [&] { return static_cast<double>(dispatcher.InFlight()); });
  metrics.AddGauge("wagate_store_pending_writes", "Jobs waiting for the store's writer",
                   [&] { return static_cast<double>(stores.health->PendingWrites()); });
  metrics.AddGauge("wagate_pacing_margin_seconds", "Jitter margin added to every lane's one-second send window",
                   [&] { return static_cast<double>(pacing_margin.CurrentMs()) / 1000.0; });
  metrics.AddGauge("wagate_scheduling_stalls_total",
                   "Times a thread of this process woke 5 ms or more late (CPU starved)",
                   [&] { return static_cast<double>(stalls.EpisodeCount()); });
  metrics.AddGauge("wagate_scheduling_stall_max_seconds", "Longest scheduling stall since start",
                   [&] { return static_cast<double>(stalls.MaxLagMs()) / 1000.0; });
  metrics.AddGauge("wagate_sync_waiters", "Synchronous senders waiting",
                   [&] { return static_cast<double>(waiters.Size()); });
  engine::AddLaneMetrics(metrics, dispatcher);

  http::Router router;
  api::RegisterRoutes(router, ctx);
  http::ServerSettings server_settings;
  server_settings.host = s.listen_host;
  server_settings.port = s.listen_port;
  server_settings.io_threads = static_cast<int>(s.http_io_threads);
  server_settings.worker_threads = static_cast<int>(s.http_worker_threads);
  server_settings.upstream_threads = static_cast<int>(s.http_upstream_threads);
  server_settings.max_body_bytes = static_cast<size_t>(s.http_max_body_bytes);
  server_settings.idle_timeout = std::chrono::seconds(s.http_idle_timeout_s);
  // Keep descriptors for the database, Graph connections and logs beyond the client connections.
  constexpr uint64_t kReservedFiles = 128;
  server_settings.max_connections = static_cast<size_t>(
      std::min<uint64_t>(static_cast<uint64_t>(s.http_max_connections),
                         open_files > 2 * kReservedFiles ? open_files - kReservedFiles : kReservedFiles));
  http::HttpServer server(server_settings, router, HttpMetrics(metrics));

  processor.Start();
  dispatcher.Start();
  runner.Start();  // after the dispatcher has loaded what was queued: a resumed campaign finds its lane
  deliverer.Start();
  templates.StartBackgroundSync(s.templates_sync_interval_s);
  auto bound = server.Start();
  if (!bound) {
    std::cerr << "wagate serve: " << bound.error().message << "\n";
    deliverer.Stop();
    runner.Stop();
    dispatcher.Stop();
    processor.Stop();
    return 1;
  }
  // After the dispatcher and the HTTP server: a command consumed now is accepted and sent like any.
  if (consumer) consumer->Start();
  if (publisher) publisher->Start();
  ctx.ready = true;
  core::LogInfo("app", "wagate is serving",
                {{"address", *bound}, {"graph_url", s.graph_url}, {"data_dir", s.data_dir}});
  if (!s.ready_file.empty() && !WriteReadyFile(s.ready_file, *bound)) {
    core::LogError("app", "cannot write the ready file", {{"path", s.ready_file}});
  }

  WaitForStopSignal();
  core::LogInfo("app", "stopping");
  ctx.ready = false;
  if (consumer) consumer->Stop();  // acknowledges what the store accepted, before the store stops
  if (publisher) publisher->Stop();
  server.Stop();
  templates.Stop();
  deliverer.Stop();
  poster.Stop();
  runner.Stop();
  dispatcher.Stop();
  processor.Stop();
  stores.health->Stop();
  core::LogInfo("app", "stopped");
  return 0;
}

}  // namespace wagate::app
