#include "wagate/events/presend_hooks.hpp"

#include "wagate/core/ids.hpp"
#include "wagate/core/json_parse.hpp"
#include "wagate/core/log.hpp"
#include "wagate/events/standard_webhooks.hpp"

namespace wagate::events {
namespace {

using Json = nlohmann::json;

HookVerdict Unavailable(std::string why) {
  HookVerdict v;
  v.kind = HookVerdict::Kind::kUnavailable;
  v.reason = std::move(why);
  return v;
}

}  // namespace

HookVerdict ParseVerdict(const PostResult& r) {
  if (!r.error_class.empty()) return Unavailable("the hook did not answer (" + r.error_class + ")");
  if (r.status < 200 || r.status >= 300) return Unavailable("the hook answered HTTP " + std::to_string(r.status));
  Json answer = core::ParseUntrustedJson(r.body);
  if (!answer.is_object() || !answer.contains("action") || !answer["action"].is_string()) {
    return Unavailable("the hook's answer is not {\"action\": …}");
  }
  std::string action = answer["action"].get<std::string>();
  HookVerdict v;
  if (action == "allow") return v;
  if (action == "deny") {
    v.kind = HookVerdict::Kind::kDeny;
    v.reason = answer.contains("reason") && answer["reason"].is_string() ? answer["reason"].get<std::string>()
                                                                         : "denied by the pre-send hook";
    if (v.reason.size() > 500) v.reason.resize(500);
    return v;
  }
  if (action == "modify") {
    if (!answer.contains("message") || !answer["message"].is_object()) {
      return Unavailable("the hook's modify answer has no \"message\" object");
    }
    v.kind = HookVerdict::Kind::kModify;
    v.message = std::move(answer["message"]);
    return v;
  }
  return Unavailable("the hook's action is not allow, deny or modify");
}

PresendHooks::PresendHooks(store::EventStore& store, const security::SecretBox& box, Poster& poster,
                           const core::Clock& clock, TargetPolicy targets, metrics::Registry* metrics)
    : store_(store), box_(box), poster_(poster), clock_(clock), targets_(targets) {
  if (metrics) {
    const char* help = "pre-send hook verdicts";
    allowed_ = metrics->GetCounter("wagate_presend_hook_verdicts_total", help, "verdict=\"allow\"");
    denied_ = metrics->GetCounter("wagate_presend_hook_verdicts_total", help, "verdict=\"deny\"");
    modified_ = metrics->GetCounter("wagate_presend_hook_verdicts_total", help, "verdict=\"modify\"");
    unavailable_ = metrics->GetCounter("wagate_presend_hook_verdicts_total", help, "verdict=\"unavailable\"");
  }
}

void PresendHooks::Put(const store::PresendHookRecord& h) {
  auto loaded = std::make_shared<Loaded>();
  loaded->record = h;
  auto secret = box_.Open(h.secret_sealed);
  if (secret) {
    if (auto key = SecretKey(*secret)) loaded->key = std::move(*key);
  }
  std::lock_guard lock(mu_);
  hooks_[{h.tenant_id, h.outlet_id.value_or("")}] = std::move(loaded);
}

void PresendHooks::Load() {
  for (const auto& h : store_.ListHooks(std::nullopt)) Put(h);
}

core::Result<HookWithSecret> PresendHooks::Create(const std::string& tenant_id, const HookInput& input) {
  if (core::Status t = CheckTarget(input.url, targets_); !t.ok()) return t.error();
  store::PresendHookRecord h;
  int64_t now = clock_.NowMs();
  h.id = core::NewId("hook_", now);
  h.tenant_id = tenant_id;
  h.outlet_id = input.outlet_id;
  h.url = input.url;
  h.created_at = now;
  h.timeout_ms = input.timeout_ms.value_or(2000);
  if (h.timeout_ms < 50 || h.timeout_ms > kMaxTimeoutMs) {
    return core::Error::InvalidField("timeout_ms", "must be between 50 and 10000");
  }
  h.failure_policy = input.failure_policy.value_or("fail_open");
  if (h.failure_policy != "fail_open" && h.failure_policy != "fail_closed") {
    return core::Error::InvalidField("failure_policy", "must be \"fail_open\" or \"fail_closed\"");
  }
  std::string secret = input.secret.value_or(NewSecret());
  if (auto key = SecretKey(secret); !key) {
    core::Error e = key.error();
    e.field = "secret";
    return e;
  }
  h.secret_sealed = box_.Seal(secret);
  if (core::Status s = store_.CreateHook(h); !s.ok()) return s.error();
  Put(h);
  return HookWithSecret{std::move(h), std::move(secret)};
}

std::vector<store::PresendHookRecord> PresendHooks::List(const std::optional<std::string>& tenant_id) const {
  return store_.ListHooks(tenant_id);
}

core::Status PresendHooks::Delete(const std::optional<std::string>& tenant_id, const std::string& id) {
  if (core::Status s = store_.DeleteHook(tenant_id, id); !s.ok()) return s;
  std::lock_guard lock(mu_);
  std::erase_if(hooks_, [&](const auto& entry) { return entry.second->record.id == id; });
  return core::Ok{};
}

std::shared_ptr<const PresendHooks::Loaded> PresendHooks::Find(const std::string& tenant_id,
                                                               const std::string& outlet_id) const {
  std::lock_guard lock(mu_);
  if (hooks_.empty()) return nullptr;
  auto it = hooks_.find({tenant_id, outlet_id});
  if (it == hooks_.end()) it = hooks_.find({tenant_id, ""});
  return it == hooks_.end() ? nullptr : it->second;
}

bool PresendHooks::Applies(const std::string& tenant_id, const std::string& outlet_id) const {
  return Find(tenant_id, outlet_id) != nullptr;
}

void PresendHooks::Check(const std::string& tenant_id, const std::string& outlet_id, const Json& message,
                         std::function<void(HookVerdict)> done) const {
  auto hook = Find(tenant_id, outlet_id);
  if (!hook) return done(HookVerdict{});
  int64_t now = clock_.NowMs();
  PostRequest request;
  request.url = hook->record.url;
  request.timeout_ms = hook->record.timeout_ms;
  request.body = Json{{"tenant_id", tenant_id}, {"outlet_id", outlet_id}, {"message", message}}.dump(
      -1, ' ', false, Json::error_handler_t::replace);
  std::string id = core::NewId("hkc_", now);
  int64_t timestamp_s = now / 1000;
  request.headers.emplace_back("content-type", "application/json");
  request.headers.emplace_back("webhook-id", id);
  request.headers.emplace_back("webhook-timestamp", std::to_string(timestamp_s));
  request.headers.emplace_back("webhook-signature", SignatureHeader({hook->key}, id, timestamp_s, request.body));
  bool fail_closed = hook->record.failure_policy == "fail_closed";
  std::string hook_id = hook->record.id;
  poster_.Post(std::move(request), [this, fail_closed, hook_id, done = std::move(done)](const PostResult& r) {
    HookVerdict v = ParseVerdict(r);
    metrics::Counter* counter = nullptr;
    switch (v.kind) {
      case HookVerdict::Kind::kAllow:
        counter = allowed_;
        break;
      case HookVerdict::Kind::kDeny:
        counter = denied_;
        break;
      case HookVerdict::Kind::kModify:
        counter = modified_;
        break;
      case HookVerdict::Kind::kUnavailable:
        counter = unavailable_;
        v.fail_closed = fail_closed;
        core::LogWarn(
            "events", "pre-send hook unavailable",
            {{"hook_id", hook_id}, {"reason", v.reason}, {"policy", fail_closed ? "fail_closed" : "fail_open"}});
        break;
    }
    if (counter) counter->Inc();
    done(std::move(v));
  });
}

}  // namespace wagate::events
