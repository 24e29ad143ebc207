#include "wagate/events/subscriptions.hpp"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "wagate/core/ids.hpp"
#include "wagate/events/standard_webhooks.hpp"
#include "wagate/store/event_payloads.hpp"
#include "wagate/store/record_json.hpp"

namespace wagate::events {
namespace {

bool IsToken(const std::string& name) {
  // RFC 9110 token characters.
  return !name.empty() && name.size() <= 128 && std::all_of(name.begin(), name.end(), [](unsigned char c) {
    return std::isalnum(c) || std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string::npos;
  });
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Headers the gateway sets itself: a subscription may not replace them.
bool Reserved(const std::string& lower) {
  return lower.starts_with("webhook-") || lower == "content-type" || lower == "content-length" || lower == "host" ||
         lower == "transfer-encoding" || lower == "connection" || lower == "te" || lower == "upgrade" ||
         lower == "expect" || lower == "trailer";
}

core::Status CheckHeaders(const std::map<std::string, std::string>& headers) {
  if (headers.size() > Subscriptions::kMaxHeaders) {
    return core::Error::InvalidField("headers", "may hold at most 20 headers");
  }
  for (const auto& [name, value] : headers) {
    if (!IsToken(name)) return core::Error::InvalidField("headers", "has a header name that is not an HTTP token");
    if (Reserved(Lower(name))) {
      return core::Error::InvalidField("headers." + name, "is set by the gateway and cannot be replaced");
    }
    bool clean = value.size() <= 1024 && std::none_of(value.begin(), value.end(), [](unsigned char c) {
                   return c == '\r' || c == '\n' || c == '\0';
                 });
    if (!clean) return core::Error::InvalidField("headers." + name, "must be at most 1024 characters on one line");
  }
  return core::Ok{};
}

core::Status CheckEvents(const std::vector<std::string>& events, const std::string& kind) {
  if (events.empty() || events.size() > 32) return core::Error::InvalidField("events", "must name 1 to 32 event types");
  const auto& known = store::EventTypes();
  for (const auto& e : events) {
    bool family =
        e.size() > 2 && e.ends_with(".*") && std::any_of(known.begin(), known.end(), [&](const std::string& k) {
          return k.starts_with(std::string_view(e).substr(0, e.size() - 1));
        });
    bool ok = e == "*" || family || std::find(known.begin(), known.end(), e) != known.end();
    if (!ok) {
      return core::Error::InvalidField("events", "names an unknown event type '" + e.substr(0, 64) +
                                                     "': use one of the types in docs/events.md, a family "
                                                     "like \"message.*\", or \"*\"");
    }
    if (kind == "conversation_service" && !e.starts_with("message.")) {
      return core::Error::InvalidField("events", "of a conversation_service subscription may only be message events");
    }
  }
  return core::Ok{};
}

}  // namespace

core::Status Subscriptions::Apply(const SubscriptionInput& input, store::SubscriptionRecord& s) const {
  if (input.url) s.url = *input.url;
  if (input.kind) {
    if (*input.kind != "webhook" && *input.kind != "conversation_service") {
      return core::Error::InvalidField("kind", "must be \"webhook\" or \"conversation_service\"");
    }
    s.kind = *input.kind;
  }
  if (input.events) s.events = *input.events;
  if (input.headers) {
    if (core::Status h = CheckHeaders(*input.headers); !h.ok()) return h;
    s.headers_json = nlohmann::json(*input.headers).dump();
  }
  if (input.secret) {
    if (auto key = SecretKey(*input.secret); !key) {
      core::Error e = key.error();
      e.field = "secret";
      return e;
    }
    s.secret_sealed = box_.Seal(*input.secret);
  }
  if (input.enabled) {
    s.enabled = *input.enabled;
    if (s.enabled) {  // re-enabled by hand: a fresh start
      s.disabled_reason.reset();
      s.failing_since.reset();
    }
  }
  if (input.ordered) s.ordered = *input.ordered;
  return core::Ok{};
}

core::Status Subscriptions::Validate(const store::SubscriptionRecord& s) const {
  if (core::Status t = CheckTarget(s.url, targets_); !t.ok()) return t;
  return CheckEvents(s.events, s.kind);
}

core::Result<WithSecret> Subscriptions::Create(const std::string& tenant_id, const SubscriptionInput& input) {
  if (!input.url) return core::Error::InvalidField("url", "is required");
  int64_t now = clock_.NowMs();
  store::SubscriptionRecord s;
  s.id = core::NewId("sub_", now);
  s.tenant_id = tenant_id;
  s.created_at = s.updated_at = now;
  SubscriptionInput defaulted = input;
  if (!defaulted.events) {
    defaulted.events = input.kind.value_or("webhook") == "conversation_service"
                           ? std::vector<std::string>{"message.sent", "message.received"}
                           : std::vector<std::string>{"*"};
  }
  std::string secret = input.secret.value_or(NewSecret());
  defaulted.secret = secret;
  if (core::Status a = Apply(defaulted, s); !a.ok()) return a.error();
  if (core::Status v = Validate(s); !v.ok()) return v.error();
  if (core::Status c = store_.CreateSubscription(s); !c.ok()) return c.error();
  Changed();
  return WithSecret{std::move(s), std::move(secret)};
}

core::Result<store::SubscriptionRecord> Subscriptions::Update(const std::optional<std::string>& tenant_id,
                                                              const std::string& id, const SubscriptionInput& input) {
  core::Status invalid = core::Ok{};
  int64_t now = clock_.NowMs();
  auto updated = store_.UpdateSubscription(tenant_id, id, [&](store::SubscriptionRecord& s) {
    store::SubscriptionRecord changed = s;
    invalid = Apply(input, changed);
    if (invalid.ok()) invalid = Validate(changed);
    if (!invalid.ok()) return;  // written back unchanged
    changed.updated_at = now;
    s = std::move(changed);
  });
  if (!updated) return updated.error();
  if (!invalid.ok()) return invalid.error();
  Changed();
  return updated;
}

core::Result<WithSecret> Subscriptions::RotateSecret(const std::optional<std::string>& tenant_id, const std::string& id,
                                                     int64_t overlap_s) {
  if (overlap_s < 0 || overlap_s > kMaxOverlapS) {
    return core::Error::InvalidField("overlap_s", "must be between 0 and 604800 (7 days)");
  }
  int64_t now = clock_.NowMs();
  std::string secret = NewSecret();
  auto updated = store_.UpdateSubscription(tenant_id, id, [&](store::SubscriptionRecord& s) {
    if (overlap_s > 0) {
      s.previous_secret_sealed = s.secret_sealed;
      s.previous_secret_expires_at = now + overlap_s * 1000;
    } else {
      s.previous_secret_sealed.reset();
      s.previous_secret_expires_at.reset();
    }
    s.secret_sealed = box_.Seal(secret);
    s.updated_at = now;
  });
  if (!updated) return updated.error();
  Changed();
  return WithSecret{std::move(*updated), std::move(secret)};
}

core::Status Subscriptions::Delete(const std::optional<std::string>& tenant_id, const std::string& id) {
  core::Status s = store_.DeleteSubscription(tenant_id, id);
  if (s.ok()) Changed();
  return s;
}

core::Result<int64_t> Subscriptions::Ping(const std::optional<std::string>& tenant_id, const std::string& id) {
  auto s = store_.GetSubscription(tenant_id, id);
  if (!s) return core::Error::NotFound("subscription");
  int64_t now = clock_.NowMs();
  store::OutboxEvent ping;
  ping.tenant_id = s->tenant_id;
  ping.type = "ping";
  ping.ordering_key = "ping:" + s->id;
  ping.at_ms = now;
  nlohmann::json body = {{"type", "ping"},
                         {"timestamp", store::OptTime(now)},
                         {"data", {{"subscription_id", s->id}, {"tenant_id", s->tenant_id}}}};
  ping.payload = body.dump();
  auto delivery = store_.PublishTo(s->id, ping);
  if (delivery) Changed();
  return delivery;
}

std::vector<std::string> Subscriptions::SigningKeys(const store::SubscriptionRecord& s, int64_t now_ms) const {
  std::vector<std::string> keys;
  auto add = [&](const std::string& sealed) {
    auto secret = box_.Open(sealed);
    if (!secret) return;
    if (auto key = SecretKey(*secret)) keys.push_back(std::move(*key));
  };
  add(s.secret_sealed);
  if (s.previous_secret_sealed && s.previous_secret_expires_at && *s.previous_secret_expires_at > now_ms) {
    add(*s.previous_secret_sealed);
  }
  return keys;
}

}  // namespace wagate::events
