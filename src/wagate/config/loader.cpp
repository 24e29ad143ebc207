#include "wagate/config/loader.hpp"

#include <toml++/toml.h>

#include <cctype>
#include <charconv>
#include <functional>
#include <limits>
#include <set>
#include <sstream>

namespace wagate::config {
namespace {

using Setter = std::function<std::string(const std::string& value, Settings& s)>;  // "" or an error
using Shower = std::function<std::string(const Settings& s)>;                      // the value as a TOML literal

// How one key reads and shows its value: the same table drives parsing, --help and the example file.
struct Binding {
  Setter set;
  Shower show;
};

struct Key {
  std::string name;  // "engine.workers"
  std::string help;
  Binding bind;
};

std::string TomlString(const std::string& v) {
  std::string out = "\"";
  for (char c : v) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out + "\"";
}

std::string EnvName(const std::string& key) {
  std::string env = "WAGATE_";
  for (char c : key) env.push_back(c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  return env;
}

Binding Int(int64_t Settings::*field, int64_t min, int64_t max) {
  return {[=](const std::string& v, Settings& s) -> std::string {
            int64_t n = 0;
            auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
            if (ec != std::errc() || p != v.data() + v.size() || n < min || n > max) {
              return "must be an integer from " + std::to_string(min) + " to " + std::to_string(max) + " (got '" + v +
                     "')";
            }
            s.*field = n;
            return "";
          },
          [=](const Settings& s) { return std::to_string(s.*field); }};
}

Binding Str(std::string Settings::*field, bool non_empty = false) {
  return {[=](const std::string& v, Settings& s) -> std::string {
            if (non_empty && v.empty()) return "must not be empty";
            s.*field = v;
            return "";
          },
          [=](const Settings& s) { return TomlString(s.*field); }};
}

Binding OneOf(std::string Settings::*field, const std::vector<std::string>& allowed) {
  return {[=](const std::string& v, Settings& s) -> std::string {
            for (const auto& a : allowed) {
              if (a == v) {
                s.*field = v;
                return "";
              }
            }
            std::string list;
            for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
            return "must be one of " + list + " (got '" + v + "')";
          },
          [=](const Settings& s) { return TomlString(s.*field); }};
}

std::string ParseListen(const std::string& v, Settings& s) {
  size_t colon = v.rfind(':');
  if (colon == std::string::npos || colon == 0) return "must be HOST:PORT, e.g. 127.0.0.1:8080 (got '" + v + "')";
  int64_t port = 0;
  std::string p = v.substr(colon + 1);
  auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), port);
  if (ec != std::errc() || end != p.data() + p.size() || port < 0 || port > 65535) {
    return "has an invalid port (got '" + v + "')";
  }
  std::string host = v.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  s.listen_host = host;
  s.listen_port = static_cast<uint16_t>(port);
  return "";
}

std::string ParseUrl(const std::string& v, Settings& s) {
  if (v.rfind("http://", 0) != 0 && v.rfind("https://", 0) != 0)
    return "must start with http:// or https:// (got '" + v + "')";
  std::string url = v;
  while (!url.empty() && url.back() == '/') url.pop_back();
  s.graph_url = url;
  return "";
}

std::string ParseJitter(const std::string& v, Settings& s) {
  try {
    size_t used = 0;
    double d = std::stod(v, &used);
    if (used != v.size() || d < 0 || d > 1) throw std::invalid_argument("range");
    s.engine_retry_jitter = d;
    return "";
  } catch (...) {
    return "must be a number from 0 to 1 (got '" + v + "')";
  }
}

// A list of words (TOML array or "A,B,C"), kept upper-case: compared case-insensitively.
Binding Words(std::vector<std::string> Settings::*field, size_t max_items) {
  return {[=](const std::string& v, Settings& s) -> std::string {
            std::vector<std::string> out;
            std::stringstream in(v);
            for (std::string item; std::getline(in, item, ',');) {
              while (!item.empty() && item.front() == ' ') item.erase(item.begin());
              while (!item.empty() && item.back() == ' ') item.pop_back();
              if (item.empty() || item.size() > 64)
                return "must be a list of words of 1 to 64 characters (got '" + v + "')";
              for (char& ch : item) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
              out.push_back(item);
            }
            if (out.size() > max_items) return "must be a list of at most " + std::to_string(max_items) + " words";
            s.*field = std::move(out);
            return "";
          },
          [=](const Settings& s) {
            std::string out = "[";
            for (size_t i = 0; i < (s.*field).size(); ++i) {
              if (i) out += ", ";
              out += TomlString((s.*field)[i]);
            }
            return out + "]";
          }};
}

Binding Bool(bool Settings::*field) {
  return {[=](const std::string& v, Settings& s) -> std::string {
            if (v != "true" && v != "false") return "must be true or false (got '" + v + "')";
            s.*field = v == "true";
            return "";
          },
          [=](const Settings& s) { return std::string(s.*field ? "true" : "false"); }};
}

// A list of whole seconds: a TOML array, or "0,5,300" from the environment or a flag.
Binding Seconds(std::vector<int64_t> Settings::*field, size_t max_items) {
  return {[=](const std::string& v, Settings& s) -> std::string {
            std::vector<int64_t> out;
            std::string text = v;
            if (text.size() >= 2 && text.front() == '[' && text.back() == ']') text = text.substr(1, text.size() - 2);
            std::stringstream ss(text);
            std::string item;
            while (std::getline(ss, item, ',')) {
              while (!item.empty() && item.front() == ' ') item.erase(item.begin());
              while (!item.empty() && item.back() == ' ') item.pop_back();
              int64_t n = 0;
              auto [p, ec] = std::from_chars(item.data(), item.data() + item.size(), n);
              if (ec != std::errc() || p != item.data() + item.size() || n < 0 || n > 7 * 86400) {
                return "must be a list of 1 to " + std::to_string(max_items) +
                       " whole seconds from 0 to 604800 (got '" + v + "')";
              }
              out.push_back(n);
            }
            if (out.empty() || out.size() > max_items) {
              return "must be a list of 1 to " + std::to_string(max_items) + " whole seconds (got '" + v + "')";
            }
            s.*field = std::move(out);
            return "";
          },
          [=](const Settings& s) {
            std::string out = "[";
            for (size_t i = 0; i < (s.*field).size(); ++i) out += (i ? ", " : "") + std::to_string((s.*field)[i]);
            return out + "]";
          }};
}

const Binding kListen{
    ParseListen, [](const Settings& s) {
      bool v6 = s.listen_host.find(':') != std::string::npos;
      return TomlString((v6 ? "[" + s.listen_host + "]" : s.listen_host) + ":" + std::to_string(s.listen_port));
    }};
const Binding kGraphUrl{ParseUrl, [](const Settings& s) { return TomlString(s.graph_url); }};
const Binding kBrokerUrl{[](const std::string& v, Settings& s) -> std::string {
                           if (!v.empty() && v.rfind("amqp://", 0) != 0 && v.rfind("amqps://", 0) != 0)
                             return "must start with amqp:// or amqps://";  // never echoed: it holds a password
                           s.broker_url = v;
                           return "";
                         },
                         [](const Settings& s) { return TomlString(s.broker_url); }};
const Binding kJitter{ParseJitter, [](const Settings& s) {
                        std::ostringstream ss;
                        ss << s.engine_retry_jitter;
                        std::string v = ss.str();
                        return v.find('.') == std::string::npos ? v + ".0" : v;
                      }};

const std::vector<Key>& Keys() {
  static const std::vector<Key> kKeys = {
      {"listen", "address to serve on, HOST:PORT (port 0 = any free port)", kListen},
      {"data_dir", "directory of the SQLite database and the generated master key", Str(&Settings::data_dir, true)},
      {"graph_url", "Cloud API base URL (the sandbox's URL for local runs)", kGraphUrl},
      {"graph_version", "Graph API version segment", Str(&Settings::graph_version, true)},
      {"admin_key", "the admin API key", Str(&Settings::admin_key)},
      {"master_key", "64 hex chars encrypting secrets at rest (default: generated in data_dir)",
       Str(&Settings::master_key)},
      {"log_level", "debug, info, warn or error", OneOf(&Settings::log_level, {"debug", "info", "warn", "error"})},
      {"ready_file", "file written with HOST:PORT once serving", Str(&Settings::ready_file)},
      {"http.max_body_bytes", "largest request body accepted (413 beyond)",
       Int(&Settings::http_max_body_bytes, 1024, 64 << 20)},
      {"http.io_threads", "socket threads", Int(&Settings::http_io_threads, 1, 64)},
      {"http.worker_threads", "handler threads", Int(&Settings::http_worker_threads, 1, 256)},
      {"http.upstream_threads",
       "threads for requests that wait on Graph or stream media to a client (apart from the handler threads)",
       Int(&Settings::http_upstream_threads, 1, 1024)},
      {"http.idle_timeout_s",
       "a connection making no progress this long is closed (a slow upload that keeps sending is not)",
       Int(&Settings::http_idle_timeout_s, 1, 3600)},
      {"http.max_connections",
       "open client connections at most; beyond it new ones are closed at once (also kept below the open-file limit)",
       Int(&Settings::http_max_connections, 16, 1000000)},
      {"http.metrics_token", "bearer token that may read /metrics (besides the admin key); empty = admin key only",
       Str(&Settings::http_metrics_token)},
      {"engine.workers", "concurrent requests to Graph", Int(&Settings::engine_workers, 1, 1024)},
      {"engine.sync_wait_ms", "longest a synchronous send waits for its outcome",
       Int(&Settings::engine_sync_wait_ms, 100, 600000)},
      {"engine.retry_max_attempts", "attempts per message, the first included",
       Int(&Settings::engine_retry_max_attempts, 1, 20)},
      {"engine.retry_base_delay_ms", "first retry delay; doubles each time",
       Int(&Settings::engine_retry_base_delay_ms, 1, 3600000)},
      {"engine.retry_jitter", "± fraction of each retry delay", kJitter},
      {"engine.graph_timeout_ms", "deadline of one Graph request",
       Int(&Settings::engine_graph_timeout_ms, 100, 120000)},
      {"engine.in_doubt_timeout_ms", "how long an in-doubt send waits for a status webhook",
       Int(&Settings::engine_in_doubt_timeout_ms, 0, 86400000)},
      {"engine.in_doubt_policy", "mark_unknown or resend",
       OneOf(&Settings::engine_in_doubt_policy, {"mark_unknown", "resend"})},
      {"engine.lane_max_in_flight", "Graph requests in flight per sender number",
       Int(&Settings::engine_lane_max_in_flight, 1, 10000)},
      {"engine.batch_size", "messages a worker claims, sends concurrently and records together",
       Int(&Settings::engine_batch_size, 1, 1000)},
      {"engine.throttle_pause_ms", "a lane's pause after 130429/429 without Retry-After",
       Int(&Settings::engine_throttle_pause_ms, 1, 600000)},
      {"engine.pacing_margin_ms",
       "the floor of the jitter margin added to each lane's one-second send window (caps a lane at 1000/(1000+margin) "
       "of its limit)",
       Int(&Settings::engine_pacing_margin_ms, 0, 500)},
      {"engine.pacing_margin_max_ms",
       "the most the margin widens while this machine shows scheduling stalls (the floor plus the longest stall of the "
       "last 30 s)",
       Int(&Settings::engine_pacing_margin_max_ms, 0, 1000)},
      {"templates.sync_interval_s", "seconds between template registry syncs from Graph (0 = on demand only)",
       Int(&Settings::templates_sync_interval_s, 0, 7 * 86400)},
      {"events.retry_schedule_s",
       "seconds to wait before each delivery attempt of an event (the first is usually 0); ±20% jitter; after the "
       "last, failed",
       Seconds(&Settings::events_retry_schedule_s, 32)},
      {"events.timeout_ms", "an endpoint must answer 2xx within this to count as delivered",
       Int(&Settings::events_timeout_ms, 100, 120000)},
      {"events.disable_after_s", "an endpoint whose every delivery failed for this long is disabled",
       Int(&Settings::events_disable_after_s, 1, 365 * 86400)},
      {"events.allow_private_targets",
       "allow webhook and hook URLs on loopback, private, link-local or metadata addresses (tests, private networks)",
       Bool(&Settings::events_allow_private_targets)},
      {"events.max_in_flight", "event deliveries in flight per endpoint",
       Int(&Settings::events_max_in_flight, 1, 1000)},
      {"events.poll_ms", "how often new events are looked for (the longest a new event waits)",
       Int(&Settings::events_poll_ms, 10, 10000)},
      {"events.retention_s", "finished deliveries and their attempt logs are kept this long",
       Int(&Settings::events_retention_s, 3600, 365 * 86400)},
      {"campaigns.opt_out_words",
       "a customer's text that is exactly one of these words (any case) puts them on the tenant's suppression list",
       Words(&Settings::campaigns_opt_out_words, 100)},
      {"campaigns.poll_ms",
       "how often the campaign runner tops up lanes and checks schedules (the longest a paused "
       "or scheduled campaign waits to move)",
       Int(&Settings::campaigns_poll_ms, 10, 5000)},
      {"campaigns.lane_backlog_ms",
       "how much of a lane's throughput the runner keeps queued ahead per campaign lane (enough to never starve it)",
       Int(&Settings::campaigns_lane_backlog_ms, 100, 10000)},
      {"campaigns.max_recipients", "recipients per campaign at most",
       Int(&Settings::campaigns_max_recipients, 1, 10000000)},
      {"broker.url",
       "RabbitMQ to consume send commands from and publish events to, amqp://user:pass@host:port/vhost "
       "(empty = no broker)",
       kBrokerUrl},
      {"broker.queue", "queue of send commands and business events", Str(&Settings::broker_queue, true)},
      {"broker.prefetch", "commands being accepted at once (unacknowledged)",
       Int(&Settings::broker_prefetch, 1, 65535)},
      {"broker.dead_letter_exchange", "where refused commands go, with the reason in the header x-wagate-error",
       Str(&Settings::broker_dead_letter_exchange, true)},
      {"broker.dead_letter_queue", "queue bound to the dead-letter exchange (\"\" = none declared)",
       Str(&Settings::broker_dead_letter_queue)},
      {"broker.events_exchange",
       "topic exchange events are published to, routing key tenant.<id>.<event> (\"\" = "
       "none)",
       Str(&Settings::broker_events_exchange)},
      {"broker.tenant_id", "the tenant of commands without a tenant_key (\"\" = such commands are refused)",
       Str(&Settings::broker_tenant_id)},
      {"broker.declare", "declare the exchanges and queues at connect (false: they must exist)",
       Bool(&Settings::broker_declare)},
      {"broker.heartbeat_s", "AMQP heartbeat: a silent broker is taken as gone after twice this",
       Int(&Settings::broker_heartbeat_s, 0, 600)},
      {"broker.reconnect_max_ms", "the longest wait between reconnection attempts (backoff from 200 ms)",
       Int(&Settings::broker_reconnect_max_ms, 200, 600000)},
      {"broker.publish_batch", "events published before waiting for the broker's confirms",
       Int(&Settings::broker_publish_batch, 1, 10000)},
  };
  return kKeys;
}

std::string Apply(const std::string& key, const std::string& value, Settings& s, const std::string& source) {
  for (const Key& k : Keys()) {
    if (k.name != key) continue;
    std::string err = k.bind.set(value, s);
    return err.empty() ? "" : source + ": setting '" + key + "' " + err;
  }
  return source + ": unknown setting '" + key + "'";
}

std::string TomlScalar(const toml::node& node, bool* ok) {
  *ok = true;
  if (auto v = node.as_string()) return v->get();
  if (auto v = node.as_integer()) return std::to_string(v->get());
  if (auto v = node.as_floating_point()) {
    std::ostringstream ss;
    ss << v->get();
    return ss.str();
  }
  if (auto v = node.as_boolean()) return v->get() ? "true" : "false";
  *ok = false;
  return "";
}

// [[broker.mappings]]: an array of tables, the one setting that is not a scalar or a list of scalars.
std::string ApplyBrokerMappings(const toml::node& node, Settings& s, const std::string& file) {
  const toml::array* list = node.as_array();
  if (!list) return file + ": broker.mappings must be an array of tables ([[broker.mappings]])";
  std::vector<BrokerMapping> out;
  for (size_t i = 0; i < list->size(); ++i) {
    std::string where = file + ": [[broker.mappings]] #" + std::to_string(i + 1);
    const toml::table* t = (*list)[i].as_table();
    if (!t) return where + " must be a table";
    BrokerMapping m;
    auto text = [&](const char* name, std::string* field, bool required) -> std::string {
      const toml::node* n = t->get(name);
      if (!n) return required ? where + " needs '" + name + "'" : "";
      auto v = n->value<std::string>();
      if (!v || (required && v->empty())) return where + ": '" + name + "' must be a non-empty string";
      *field = *v;
      return "";
    };
    for (const auto& [member, value] : *t) {
      static const std::set<std::string> kKnown = {"event", "outlet_id",  "template",        "language",
                                                   "to",    "parameters", "idempotency_key", "priority"};
      if (!kKnown.count(std::string(member.str())))
        return where + ": unknown member '" + std::string(member.str()) + "'";
    }
    for (std::string err :
         {text("event", &m.event, true), text("outlet_id", &m.outlet_id, true),
          text("template", &m.template_name, true), text("language", &m.language, true), text("to", &m.to, true),
          text("idempotency_key", &m.idempotency_key, false), text("priority", &m.priority, false)}) {
      if (!err.empty()) return err;
    }
    if (m.priority != "transactional" && m.priority != "bulk")
      return where + ": 'priority' must be \"transactional\" or \"bulk\"";
    if (const toml::node* p = t->get("parameters")) {
      const toml::array* params = p->as_array();
      if (!params) return where + ": 'parameters' must be a list of paths";
      for (const auto& item : *params) {
        auto v = item.value<std::string>();
        if (!v || v->empty()) return where + ": 'parameters' must be a list of non-empty paths";
        m.parameters.push_back(*v);
      }
    }
    for (const auto& other : out) {
      if (other.event == m.event) return where + ": event '" + m.event + "' is mapped twice";
    }
    out.push_back(std::move(m));
  }
  s.broker_mappings = std::move(out);
  return "";
}

std::string ApplyToml(const toml::table& table, const std::string& prefix, Settings& s, const std::string& file) {
  for (const auto& [k, node] : table) {
    std::string key = prefix + std::string(k.str());
    if (key == "broker.mappings") {
      if (std::string err = ApplyBrokerMappings(node, s, file); !err.empty()) return err;
      continue;
    }
    if (const toml::table* sub = node.as_table()) {
      if (std::string err = ApplyToml(*sub, key + ".", s, file); !err.empty()) return err;
      continue;
    }
    bool ok = false;
    std::string value;
    if (const toml::array* list = node.as_array()) {  // a list setting: its items, comma-separated
      for (const auto& item : *list) {
        if (!value.empty()) value += ',';
        value += TomlScalar(item, &ok);
        if (!ok) break;
      }
      ok = ok || list->empty();
    } else {
      value = TomlScalar(node, &ok);
    }
    if (!ok) return file + ": setting '" + key + "' must be a string, number or boolean";
    if (std::string err = Apply(key, value, s, file); !err.empty()) return err;
  }
  return "";
}

// Commented with "#   " so the example's own test reads them as prose, not as settings.
constexpr const char* kBrokerMappingsExample =
    "\n# A business event published to broker.queue, turned into a template send (docs/broker.md).\n"
    "# Paths are dotted member names into the event. File only (no env var or flag):\n"
    "# [[broker.mappings]]\n"
    "#   event = \"po.approved\"                # matched against the event's member `event`\n"
    "#   outlet_id = \"out_...\"\n"
    "#   template = \"po_notification\"\n"
    "#   language = \"es\"\n"
    "#   to = \"supplier.phone\"\n"
    "#   parameters = [\"supplier.name\", \"po_number\", \"total\"]\n"
    "#   idempotency_key = \"po_number\"        # optional: a redelivered event is sent once\n";

}  // namespace

std::string ExampleToml() {
  const Settings defaults;
  std::string out =
      "# wagate configuration: every setting, commented out at its default (generated by\n"
      "# `wagate config-example` from the settings table, so it never drifts). Uncomment to change.\n"
      "# Precedence: defaults < this file (--config or WAGATE_CONFIG) < environment (WAGATE_*) < flags.\n"
      "# Keep secrets (admin_key, master_key, http.metrics_token) out of this file when it is readable\n"
      "# by others: give them as WAGATE_ADMIN_KEY etc. (e.g. a systemd EnvironmentFile=).\n";
  std::string section = "";
  for (const Key& k : Keys()) {
    size_t dot = k.name.find('.');
    std::string key_section = dot == std::string::npos ? "" : k.name.substr(0, dot);
    if (key_section != section) {
      section = key_section;
      out += "\n[" + section + "]\n";
    }
    out += "\n# " + k.help + " (env " + EnvName(k.name) + ")\n";
    out += "# " + (dot == std::string::npos ? k.name : k.name.substr(dot + 1)) + " = " + k.bind.show(defaults) + "\n";
  }
  out += kBrokerMappingsExample;
  return out;
}

std::string DescribeKeys() {
  std::string out;
  for (const Key& k : Keys()) out += "  " + k.name + " (env " + EnvName(k.name) + "): " + k.help + "\n";
  return out;
}

core::Result<Settings> LoadSettings(const std::vector<std::string>& args,
                                    const std::map<std::string, std::string>& env) {
  Settings s;
  auto fail = [](const std::string& msg) { return core::Error::Invalid("invalid_config", msg); };
  // Flags are collected first so --config is known before anything is applied.
  std::string config_file;
  std::vector<std::pair<std::string, std::string>> flag_values;
  static const std::map<std::string, std::string> kFlagKeys = {
      {"--listen", "listen"},       {"--data", "data_dir"},         {"--graph-url", "graph_url"},
      {"--admin-key", "admin_key"}, {"--ready-file", "ready_file"}, {"--log-level", "log_level"}};
  for (size_t i = 0; i < args.size(); ++i) {
    std::string arg = args[i];
    std::string value;
    bool has_inline = false;
    if (size_t eq = arg.find('='); arg.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
      has_inline = true;
    }
    auto next = [&]() -> std::optional<std::string> {
      if (has_inline) return value;
      if (i + 1 >= args.size()) return std::nullopt;
      return args[++i];
    };
    if (arg == "--config") {
      auto v = next();
      if (!v) return fail("--config needs a file");
      config_file = *v;
    } else if (arg == "--set") {
      auto v = next();
      if (!v || v->find('=') == std::string::npos) return fail("--set needs KEY=VALUE");
      flag_values.emplace_back(v->substr(0, v->find('=')), v->substr(v->find('=') + 1));
    } else if (auto it = kFlagKeys.find(arg); it != kFlagKeys.end()) {
      auto v = next();
      if (!v) return fail(arg + " needs a value");
      flag_values.emplace_back(it->second, *v);
    } else {
      return fail("unknown option '" + args[i] + "' (see wagate serve --help)");
    }
  }
  if (config_file.empty()) {
    if (auto it = env.find("WAGATE_CONFIG"); it != env.end()) config_file = it->second;
  }
  if (!config_file.empty()) {
    toml::table table;
    try {
      table = toml::parse_file(config_file);
    } catch (const toml::parse_error& e) {
      std::ostringstream ss;
      ss << config_file << ": " << e.description() << " (line " << e.source().begin.line << ")";
      return fail(ss.str());
    }
    if (std::string err = ApplyToml(table, "", s, config_file); !err.empty()) return fail(err);
  }
  for (const Key& k : Keys()) {
    auto it = env.find(EnvName(k.name));
    if (it == env.end()) continue;
    if (std::string err = Apply(k.name, it->second, s, "environment " + it->first); !err.empty()) return fail(err);
  }
  for (const auto& [key, value] : flag_values) {
    if (std::string err = Apply(key, value, s, "command line"); !err.empty()) return fail(err);
  }
  return s;
}

}  // namespace wagate::config
