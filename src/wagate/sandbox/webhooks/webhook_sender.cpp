#include "wagate/sandbox/webhooks/webhook_sender.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <iterator>
#include <random>

#include "wagate/core/log.hpp"
#include "wagate/security/crypto.hpp"

namespace wagate::sandbox {
namespace {

constexpr std::string_view kLog = "sandbox.webhooks";
using Millis = std::chrono::milliseconds;

size_t DiscardBody(char*, size_t size, size_t count, void*) { return size * count; }

int AbortWhenStopping(void* abort_flag, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<std::atomic<bool>*>(abort_flag)->load() ? 1 : 0;
}

// One keep-alive connection; owned by one delivery thread.
class Poster final {
 public:
  Poster(const std::atomic<bool>& abort_flag, Millis timeout) : curl_(curl_easy_init()) {
    curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl_, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
    curl_easy_setopt(curl_, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
    curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, DiscardBody);
    curl_easy_setopt(curl_, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(curl_, CURLOPT_XFERINFOFUNCTION, AbortWhenStopping);
    curl_easy_setopt(curl_, CURLOPT_XFERINFODATA, const_cast<std::atomic<bool>*>(&abort_flag));
  }
  ~Poster() { curl_easy_cleanup(curl_); }
  Poster(const Poster&) = delete;
  Poster& operator=(const Poster&) = delete;

  // True only for HTTP 200, the one answer Meta treats as acknowledged.
  bool Post(const std::string& url, const std::string& body, const std::string& signature, long* status,
            std::string* error) {
    curl_slist* headers = nullptr;
    headers = curl_slist_append(headers, "Content-Type: application/json");
    headers = curl_slist_append(headers, ("X-Hub-Signature-256: sha256=" + signature).c_str());
    headers = curl_slist_append(headers, "Expect:");  // no 100-continue round trip
    curl_easy_setopt(curl_, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
    CURLcode rc = curl_easy_perform(curl_);
    *status = 0;
    if (rc == CURLE_OK)
      curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, status);
    else
      *error = curl_easy_strerror(rc);
    curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, nullptr);
    curl_slist_free_all(headers);
    return rc == CURLE_OK && *status == 200;
  }

 private:
  CURL* curl_;
};

}  // namespace

WebhookSender::WebhookSender(WebhookSenderSettings settings)
    : settings_(std::move(settings)),
      challenge_state_((uint64_t{std::random_device{}()} << 32) ^ std::random_device{}()) {
  RestartVerification();
}

WebhookSender::~WebhookSender() { Stop(); }

Millis WebhookSender::Backoff(int failed_attempts) {
  Millis delay{200};
  for (int i = 1; i < failed_attempts && delay < Millis(10'000); ++i) delay *= 2;
  return std::min(delay, Millis(10'000));
}

void WebhookSender::Start() {
  std::lock_guard lock(mu_);
  if (started_) return;
  started_ = true;
  for (int i = 0; i < std::max(1, settings_.threads); ++i) threads_.emplace_back([this] { RunWorker(); });
}

void WebhookSender::Stop() {
  {
    std::lock_guard lock(mu_);
    if (!started_ || stopping_) return;
    stopping_ = true;
    abort_posts_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
  std::lock_guard lock(mu_);
  if (!heap_.empty()) {
    core::LogInfo(kLog, "stopped with webhooks still queued; they are discarded",
                  {{"pending", heap_.size() + parked_count_}});
  }
}

bool WebhookSender::Schedule(WebhookEvent event, SteadyTime due) {
  std::lock_guard lock(mu_);
  if (settings_.url.empty()) return false;
  if (heap_.size() >= settings_.max_queued) {
    ++counters_.dropped;
    if (counters_.dropped % 10'000 == 1) {
      core::LogWarn(kLog, "webhook queue is full; dropping new events",
                    {{"queued", heap_.size()}, {"dropped", counters_.dropped}});
    }
    return false;
  }
  Item item{due, 0, due, 0, std::move(event)};
  item.order = next_seq_;
  if (const std::string& key = OrderKey(item); !key.empty()) unsettled_[key].insert(MarkOf(item));
  Push(std::move(item));
  cv_.notify_one();
  return true;
}

std::vector<WebhookEvent> WebhookSender::Queued() const {
  std::lock_guard lock(mu_);
  std::vector<const Item*> items;
  for (const Item& item : heap_) items.push_back(&item);
  for (const auto& [key, parked] : parked_) {
    for (const Item& item : parked) items.push_back(&item);
  }
  std::sort(items.begin(), items.end(), [](const Item* a, const Item* b) { return Later()(*b, *a); });
  std::vector<WebhookEvent> events;
  for (const Item* item : items) events.push_back(item->event);
  return events;
}

const std::string& WebhookSender::OrderKey(const Item& item) {
  static const std::string kNone;
  return item.event.kind == WebhookEvent::Kind::kStatus ? item.event.wamid : kNone;
}

bool WebhookSender::MayLeave(const Item& item) const {
  const std::string& key = OrderKey(item);
  if (key.empty()) return true;
  auto it = unsettled_.find(key);
  return it == unsettled_.end() || it->second.empty() || *it->second.begin() == MarkOf(item);
}

void WebhookSender::Forget(const Item& item) {
  const std::string& key = OrderKey(item);
  if (key.empty()) return;
  auto it = unsettled_.find(key);
  if (it == unsettled_.end()) return;
  it->second.erase(MarkOf(item));
  if (it->second.empty()) unsettled_.erase(it);
  // The events parked behind it go back in the queue, with their place (seq) kept.
  if (auto p = parked_.find(key); p != parked_.end()) {
    for (Item& waiting : p->second) {
      heap_.push_back(std::move(waiting));
      std::push_heap(heap_.begin(), heap_.end(), Later{});
      --parked_count_;
    }
    parked_.erase(p);
  }
}

void WebhookSender::Push(Item item) {
  item.seq = next_seq_++;
  heap_.push_back(std::move(item));
  std::push_heap(heap_.begin(), heap_.end(), Later{});
}

std::vector<WebhookSender::Item> WebhookSender::TakeDueBatch(SteadyTime now) {
  std::vector<Item> batch;
  std::set<std::string> in_batch;
  while (!heap_.empty() && heap_.front().due <= now && batch.size() < std::max<size_t>(1, settings_.max_batch)) {
    std::pop_heap(heap_.begin(), heap_.end(), Later{});
    Item item = std::move(heap_.back());
    heap_.pop_back();
    // One event per message per POST: the next one leaves once this one is acknowledged. An event
    // that must wait is parked off the heap (so thousands waiting behind a retried `sent` cost
    // nothing here) until Forget settles the one before it.
    const std::string& key = OrderKey(item);
    if (!MayLeave(item) || (!key.empty() && !in_batch.insert(key).second)) {
      std::string parked_key = key;
      parked_[parked_key].push_back(std::move(item));
      ++parked_count_;
      continue;
    }
    batch.push_back(std::move(item));
  }
  return batch;
}

void WebhookSender::Settle(std::vector<Item> batch, bool delivered, long status, const std::string& error) {
  in_flight_ -= batch.size();
  if (delivered) {
    counters_.delivered += batch.size();
    if (endpoint_backoff_ != Millis(0)) core::LogInfo(kLog, "webhook endpoint answers again");
    endpoint_backoff_ = Millis(0);
    for (const Item& item : batch) Forget(item);
    cv_.notify_all();  // the next event of these messages may leave now
    return;
  }
  ++counters_.failed_attempts;
  auto now = std::chrono::steady_clock::now();
  // Several threads fail together when the gateway goes down; only the first one lengthens the pause.
  if (now >= endpoint_blocked_until_) {
    if (endpoint_backoff_ == Millis(0)) {
      core::LogWarn(kLog, "webhook endpoint is failing; retrying with backoff", {{"status", status}, {"error", error}});
    }
    endpoint_backoff_ = std::min(std::max(Millis(200), endpoint_backoff_ * 2), Millis(10'000));
    endpoint_blocked_until_ = now + endpoint_backoff_;
  }
  for (Item& item : batch) {
    if (now - item.first_due >= settings_.horizon) {
      ++counters_.dropped;
      core::LogWarn(kLog, "webhook given up after the retry horizon",
                    {{"wamid", item.event.wamid}, {"attempts", item.attempts}});
      Forget(item);
      continue;
    }
    item.due = now + Backoff(item.attempts);
    Push(std::move(item));
  }
  cv_.notify_all();
}

bool WebhookSender::VerificationBlocks() const {
  return verification_.state == VerificationState::kPending || verification_.state == VerificationState::kFailed;
}

void WebhookSender::RestartVerification() {
  ++verify_generation_;
  bool required = !settings_.url.empty() && !settings_.verify_token.empty();
  verification_ = {required ? VerificationState::kPending : VerificationState::kNotRequired, 0, std::nullopt};
  verify_due_ = {};
  last_logged_verify_error_.clear();
}

void WebhookSender::Verify(std::unique_lock<std::mutex>& lock) {
  verifying_ = true;
  uint64_t generation = verify_generation_;
  std::string url = settings_.url;
  std::string token = settings_.verify_token;
  // Ten digits, like Meta's (e.g. 1158201444); splitmix64 keeps successive challenges apart.
  uint64_t z = (challenge_state_ += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  std::string challenge = std::to_string(1'000'000'000 + (z ^ (z >> 31)) % 9'000'000'000ULL);
  lock.unlock();

  std::optional<std::string> problem = VerifyEndpoint(url, token, challenge, settings_.request_timeout, abort_posts_);

  lock.lock();
  verifying_ = false;
  cv_.notify_all();
  if (generation != verify_generation_ || stopping_) return;  // the target changed meanwhile: start again
  ++verification_.attempts;
  if (!problem) {
    verification_.state = VerificationState::kVerified;
    verification_.last_error.reset();
    core::LogInfo(kLog, "webhook endpoint verified; delivering webhooks", {{"url", url}});
    return;
  }
  verification_.state = VerificationState::kFailed;
  verification_.last_error = *problem;
  auto now = std::chrono::steady_clock::now();
  verify_due_ = now + Backoff(static_cast<int>(verification_.attempts));
  // The token stays out of the log: the URL is the configured one, without the handshake's query.
  if (*problem != last_logged_verify_error_) {
    core::LogWarn(kLog, "webhook verification failed: " + url + ": " + *problem,
                  {{"attempts", verification_.attempts}});
    last_logged_verify_error_ = *problem;
  }
  DropExpired(now);
}

// While the handshake fails nothing is attempted, yet events age as they do while the endpoint is down.
void WebhookSender::DropExpired(SteadyTime now) {
  std::vector<Item> expired;
  auto keep_end = std::partition(heap_.begin(), heap_.end(),
                                 [&](const Item& item) { return now - item.first_due < settings_.horizon; });
  if (keep_end == heap_.end()) return;
  std::move(keep_end, heap_.end(), std::back_inserter(expired));
  heap_.erase(keep_end, heap_.end());
  std::make_heap(heap_.begin(), heap_.end(), Later{});
  counters_.dropped += expired.size();
  core::LogWarn(kLog, "webhooks given up after the retry horizon: the endpoint never passed verification",
                {{"dropped", expired.size()}});
  for (const Item& item : expired) Forget(item);  // may requeue parked events; the next sweep judges them
}

void WebhookSender::RunWorker() {
  Poster poster(abort_posts_, settings_.request_timeout);
  std::unique_lock lock(mu_);
  while (!stopping_) {
    if (VerificationBlocks()) {
      if (verifying_) {
        cv_.wait(lock);  // the thread verifying notifies when it is done
      } else if (std::chrono::steady_clock::now() < verify_due_) {
        cv_.wait_until(lock, verify_due_);
      } else {
        Verify(lock);
      }
      continue;
    }
    if (heap_.empty()) {
      cv_.wait(lock);
      continue;
    }
    auto now = std::chrono::steady_clock::now();
    SteadyTime wake = std::max(heap_.front().due, endpoint_blocked_until_);
    if (wake > now) {
      cv_.wait_until(lock, wake);
      continue;
    }
    std::vector<Item> batch = TakeDueBatch(now);
    if (batch.empty()) {  // everything due waits for an earlier event in flight: Settle wakes us
      cv_.wait_for(lock, Millis(50));
      continue;
    }
    in_flight_ += batch.size();
    std::string url = settings_.url;
    std::string secret = settings_.app_secret;
    if (url.empty()) {  // turned off while events waited: nowhere to send them
      in_flight_ -= batch.size();
      counters_.dropped += batch.size();
      for (const Item& item : batch) Forget(item);
      continue;
    }
    for (Item& item : batch) ++item.attempts;
    lock.unlock();

    std::vector<WebhookEvent> events;
    events.reserve(batch.size());
    for (const Item& item : batch) events.push_back(item.event);
    std::string body = SerializeAscii(BuildWebhookPayload(events));
    long status = 0;
    std::string error;
    bool ok = poster.Post(url, body, security::HmacSha256Hex(secret, body), &status, &error);

    lock.lock();
    Settle(std::move(batch), ok, status, error);
  }
}

void WebhookSender::SetTarget(std::string url, std::string app_secret, std::string verify_token) {
  std::lock_guard lock(mu_);
  bool new_target = url != settings_.url || verify_token != settings_.verify_token;
  settings_.url = std::move(url);
  settings_.app_secret = std::move(app_secret);
  settings_.verify_token = std::move(verify_token);
  if (new_target) RestartVerification();
  endpoint_blocked_until_ = {};
  endpoint_backoff_ = Millis(0);
  cv_.notify_all();
}

std::string WebhookSender::url() const {
  std::lock_guard lock(mu_);
  return settings_.url;
}

std::string WebhookSender::app_secret() const {
  std::lock_guard lock(mu_);
  return settings_.app_secret;
}

void WebhookSender::SetHorizon(std::chrono::seconds horizon) {
  std::lock_guard lock(mu_);
  settings_.horizon = horizon;
}

std::chrono::seconds WebhookSender::horizon() const {
  std::lock_guard lock(mu_);
  return settings_.horizon;
}

WebhookVerificationStats WebhookSender::verification() const {
  std::lock_guard lock(mu_);
  return verification_;
}

WebhookSenderStats WebhookSender::stats() const {
  std::lock_guard lock(mu_);
  WebhookSenderStats s = counters_;
  s.pending = heap_.size() + parked_count_ + in_flight_;
  return s;
}

}  // namespace wagate::sandbox
