#include "wagate/events/http_poster.hpp"

#include <curl/curl.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <charconv>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <unordered_map>

#include "wagate/core/clock.hpp"
#include "wagate/core/log.hpp"
#include "wagate/core/thread_name.hpp"

namespace wagate::events {
namespace {

constexpr std::string_view kSubsystem = "events.http_poster";
// The thread wakes at least this often with nothing to do (curl_multi_poll returns sooner for a
// wakeup, socket activity or curl's own timers, so deadlines never wait on it).
constexpr int kIdlePollMs = 1000;
// Easy handles kept for reuse once their transfer is done; more are freed.
constexpr size_t kMaxIdleHandles = 64;
// Retry-After values past this (about 31 years) are read as this: callers clamp far lower anyway.
constexpr int64_t kMaxRetryAfterParsedS = 1'000'000'000;
constexpr std::string_view kStopped = "stopped";

bool IsTokenChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool EqualsNoCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())) != 0) text.remove_suffix(1);
  return text;
}

PostResult Failure(std::string_view error_class, std::string message) {
  PostResult result;
  result.error_class = error_class;
  result.error_message = std::move(message);
  return result;
}

// One request from Post to its answer; owned by the queue, then by the running map.
struct Transfer {
  PostRequest request;
  std::function<void(PostResult)> done;
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;  // one list per request: its headers differ each time (ids, signatures)
  size_t max_body_bytes = 0;
  bool allow_private = false;
  bool refused_address = false;  // the connect-time check refused an address
  std::string response_body;
  std::optional<std::string> retry_after;  // the raw header values of the final answer
  std::optional<std::string> date;
  char error_buffer[CURL_ERROR_SIZE] = {};
};

}  // namespace

std::optional<int64_t> ParseRetryAfter(std::string_view value, int64_t now_s) {
  value = Trim(value);
  if (value.empty()) return std::nullopt;
  if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    int64_t seconds = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
    if (ec == std::errc::result_out_of_range || seconds > kMaxRetryAfterParsedS) return kMaxRetryAfterParsedS;
    return seconds;
  }
  // An HTTP-date always names its day or month; curl_getdate reads all three of RFC 9110's forms.
  if (std::none_of(value.begin(), value.end(), [](char c) { return std::isalpha(static_cast<unsigned char>(c)); })) {
    return std::nullopt;
  }
  time_t when = curl_getdate(std::string(value).c_str(), nullptr);
  if (when == -1) return std::nullopt;
  return std::clamp<int64_t>(static_cast<int64_t>(when) - now_s, 0, kMaxRetryAfterParsedS);
}

std::string_view ErrorClassOf(int curl_code) {
  switch (static_cast<CURLcode>(curl_code)) {
    case CURLE_OK:
      return "";
    case CURLE_OPERATION_TIMEDOUT:
      return "timeout";
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      return "dns";
    case CURLE_COULDNT_CONNECT:
      return "connect";
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_CLIENTCERT:
    case CURLE_USE_SSL_FAILED:
      return "tls";
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return "invalid_request";
    default:
      return "io";
  }
}

class HttpPoster::Impl {
 public:
  explicit Impl(PosterSettings settings);
  ~Impl();
  void Post(PostRequest request, std::function<void(PostResult)> done);
  void Stop();
  size_t InFlight() const { return in_flight_.load(); }

 private:
  void Run();
  void Start(std::unique_ptr<Transfer> transfer);
  void Finish(CURL* easy, CURLcode code);
  // Returns the transfer's handle, then calls its `done` (exceptions logged, never thrown on).
  void Answer(std::unique_ptr<Transfer> transfer, PostResult result);
  CURL* TakeHandle();
  void ReleaseHandle(Transfer* transfer);
  // Builds the transfer's header list; false when a header could smuggle a line into the request.
  static bool BuildHeaders(Transfer* transfer);

  static curl_socket_t OpenSocket(void* transfer, curlsocktype purpose, curl_sockaddr* address);
  static size_t OnBody(char* data, size_t size, size_t n, void* transfer);
  static size_t OnHeader(char* data, size_t size, size_t n, void* transfer);

  const PosterSettings settings_;
  core::SystemClock clock_;  // "now" for an HTTP-date Retry-After when the answer has no Date
  CURLM* multi_ = nullptr;   // the poster's thread only, but for curl_multi_wakeup (any thread)

  std::mutex mu_;
  bool stopping_ = false;                          // guarded by mu_
  std::vector<std::unique_ptr<Transfer>> queued_;  // guarded by mu_
  std::atomic<size_t> in_flight_{0};
  std::mutex join_mu_;  // one Stop joins
  std::thread thread_;
  std::thread::id thread_id_;  // set before any other thread can call Stop

  // The poster's thread only.
  std::unordered_map<CURL*, std::unique_ptr<Transfer>> running_;
  std::vector<CURL*> idle_handles_;
};

HttpPoster::Impl::Impl(PosterSettings settings) : settings_(std::move(settings)), multi_(curl_multi_init()) {
  if (multi_ == nullptr) throw std::runtime_error("curl_multi_init failed");  // start-up: nothing can be sent
  curl_multi_setopt(multi_, CURLMOPT_MAX_TOTAL_CONNECTIONS, settings_.max_connections);
  curl_multi_setopt(multi_, CURLMOPT_MAX_HOST_CONNECTIONS, settings_.max_host_connections);
  // The connection cache keeps as many idle keep-alive connections as may be open at once.
  curl_multi_setopt(multi_, CURLMOPT_MAXCONNECTS, std::max(settings_.max_connections, 1L));
  thread_ = std::thread([this] {
    core::NameThisThread("event-post");
    Run();
  });
  thread_id_ = thread_.get_id();
}

HttpPoster::Impl::~Impl() {
  Stop();
  if (thread_.joinable()) thread_.join();  // Stop was called from a `done`: the thread has ended since
  for (CURL* easy : idle_handles_) curl_easy_cleanup(easy);
  curl_multi_cleanup(multi_);
}

void HttpPoster::Impl::Post(PostRequest request, std::function<void(PostResult)> done) {
  auto transfer = std::make_unique<Transfer>();
  transfer->request = std::move(request);
  transfer->done = std::move(done);
  in_flight_.fetch_add(1);
  {
    std::lock_guard lock(mu_);
    if (!stopping_) {
      queued_.push_back(std::move(transfer));
      curl_multi_wakeup(multi_);
      return;
    }
  }
  Answer(std::move(transfer), Failure("io", std::string(kStopped)));
}

void HttpPoster::Impl::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    curl_multi_wakeup(multi_);
  }
  if (std::this_thread::get_id() == thread_id_) return;  // from a `done`: the loop ends after it
  std::lock_guard join_lock(join_mu_);
  if (thread_.joinable()) thread_.join();
}

void HttpPoster::Impl::Run() {
  for (;;) {
    std::vector<std::unique_ptr<Transfer>> batch;
    bool stopping = false;
    {
      std::lock_guard lock(mu_);
      stopping = stopping_;
      batch.swap(queued_);
    }
    if (stopping) {
      for (auto& transfer : batch) Answer(std::move(transfer), Failure("io", std::string(kStopped)));
      while (!running_.empty()) {
        auto node = running_.extract(running_.begin());
        Answer(std::move(node.mapped()), Failure("io", std::string(kStopped)));
      }
      return;
    }
    for (auto& transfer : batch) Start(std::move(transfer));
    int still_running = 0;
    curl_multi_perform(multi_, &still_running);
    int left = 0;
    while (CURLMsg* message = curl_multi_info_read(multi_, &left)) {
      if (message->msg == CURLMSG_DONE) Finish(message->easy_handle, message->data.result);
    }
    curl_multi_poll(multi_, nullptr, 0, kIdlePollMs, nullptr);
  }
}

CURL* HttpPoster::Impl::TakeHandle() {
  if (!idle_handles_.empty()) {
    CURL* easy = idle_handles_.back();
    idle_handles_.pop_back();
    return easy;
  }
  CURL* easy = curl_easy_init();
  if (easy == nullptr) return nullptr;
  // What every request shares is set once per handle; Start sets the rest, every option every time.
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);  // a 3xx is an answer: never follow it
#if LIBCURL_VERSION_NUM >= 0x075500
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
#else
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS, static_cast<long>(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
  // No proxy from the environment: the connect-time check must see the receiver's own address.
  curl_easy_setopt(easy, CURLOPT_PROXY, "");
  curl_easy_setopt(easy, CURLOPT_USERAGENT, settings_.user_agent.c_str());
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(std::max<int64_t>(settings_.connect_timeout_ms, 1)));
  curl_easy_setopt(easy, CURLOPT_OPENSOCKETFUNCTION, &Impl::OpenSocket);
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &Impl::OnBody);
  curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, &Impl::OnHeader);
  return easy;
}

void HttpPoster::Impl::ReleaseHandle(Transfer* transfer) {
  if (transfer->easy != nullptr) {
    CURL* easy = transfer->easy;
    curl_multi_remove_handle(multi_, easy);  // a finished transfer's connection stays in the multi's cache
    // Nothing of the finished transfer stays reachable from the idle handle.
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, nullptr);
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, nullptr);
    curl_easy_setopt(easy, CURLOPT_OPENSOCKETDATA, nullptr);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, nullptr);
    curl_easy_setopt(easy, CURLOPT_HEADERDATA, nullptr);
    if (idle_handles_.size() < kMaxIdleHandles) {
      idle_handles_.push_back(easy);
    } else {
      curl_easy_cleanup(easy);
    }
    transfer->easy = nullptr;
  }
  curl_slist_free_all(transfer->headers);
  transfer->headers = nullptr;
}

bool HttpPoster::Impl::BuildHeaders(Transfer* transfer) {
  auto append = [transfer](const char* line) {
    curl_slist* appended = curl_slist_append(transfer->headers, line);
    if (appended != nullptr) transfer->headers = appended;
    return appended != nullptr;
  };
  bool has_content_type = false;
  bool has_expect = false;
  for (const auto& [name, value] : transfer->request.headers) {
    if (name.empty() || !std::all_of(name.begin(), name.end(), IsTokenChar)) return false;
    if (value.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) return false;
    has_content_type = has_content_type || EqualsNoCase(name, "content-type");
    has_expect = has_expect || EqualsNoCase(name, "expect");
    // "Name;" is curl's spelling of a header with an empty value ("Name:" would remove the header).
    if (!append((value.empty() ? name + ";" : name + ": " + value).c_str())) return false;
  }
  if (!has_content_type && !append("Content-Type: application/json")) return false;
  return has_expect || append("Expect:");  // no 100-continue round trip before a large body
}

void HttpPoster::Impl::Start(std::unique_ptr<Transfer> transfer) {
  transfer->easy = TakeHandle();
  if (transfer->easy == nullptr) return Answer(std::move(transfer), Failure("io", "curl_easy_init failed"));
  if (!BuildHeaders(transfer.get())) {
    return Answer(std::move(transfer),
                  Failure("invalid_request", "a request header has an invalid name or a line break in its value"));
  }
  transfer->max_body_bytes = settings_.max_body_bytes;
  transfer->allow_private = settings_.targets.allow_private;
  CURL* easy = transfer->easy;
  Transfer* raw = transfer.get();
  curl_easy_setopt(easy, CURLOPT_URL, raw->request.url.c_str());
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, raw->headers);
  curl_easy_setopt(easy, CURLOPT_POSTFIELDS, raw->request.body.data());  // not copied: the transfer owns it
  curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(raw->request.body.size()));
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(std::max<int64_t>(raw->request.timeout_ms, 1)));
  curl_easy_setopt(easy, CURLOPT_OPENSOCKETDATA, raw);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, raw);
  curl_easy_setopt(easy, CURLOPT_HEADERDATA, raw);
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, raw->error_buffer);
  if (curl_multi_add_handle(multi_, easy) != CURLM_OK) {
    return Answer(std::move(transfer), Failure("io", "curl_multi_add_handle failed"));
  }
  running_.emplace(easy, std::move(transfer));
}

void HttpPoster::Impl::Finish(CURL* easy, CURLcode code) {
  auto node = running_.extract(easy);
  if (node.empty()) return;  // not ours: cannot happen
  std::unique_ptr<Transfer> transfer = std::move(node.mapped());
  PostResult result;
  curl_off_t total_us = 0;
  if (curl_easy_getinfo(easy, CURLINFO_TOTAL_TIME_T, &total_us) == CURLE_OK) result.latency_ms = total_us / 1000;
  if (code == CURLE_OK) {
    long status = 0;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    result.status = static_cast<int>(status);
    result.body = std::move(transfer->response_body);
    if (transfer->retry_after) {
      time_t date = transfer->date ? curl_getdate(transfer->date->c_str(), nullptr) : -1;
      int64_t now_s = date != -1 ? static_cast<int64_t>(date) : clock_.NowMs() / 1000;
      result.retry_after_s = ParseRetryAfter(*transfer->retry_after, now_s);
    }
  } else if (code == CURLE_COULDNT_CONNECT && transfer->refused_address) {
    result.error_class = "forbidden_target";
    result.error_message =
        "refused to connect to a private, loopback, link-local or metadata address "
        "(events.allow_private_targets is off)";
  } else {
    result.error_class = ErrorClassOf(code);
    result.error_message = transfer->error_buffer[0] != '\0' ? transfer->error_buffer : curl_easy_strerror(code);
  }
  Answer(std::move(transfer), std::move(result));
}

void HttpPoster::Impl::Answer(std::unique_ptr<Transfer> transfer, PostResult result) {
  ReleaseHandle(transfer.get());
  try {
    if (transfer->done) transfer->done(std::move(result));
  } catch (const std::exception& e) {
    core::LogError(kSubsystem, "a request's completion threw", {{"error", e.what()}});
  } catch (...) {
    core::LogError(kSubsystem, "a request's completion threw");
  }
  transfer.reset();
  in_flight_.fetch_sub(1);
}

curl_socket_t HttpPoster::Impl::OpenSocket(void* transfer, curlsocktype purpose, curl_sockaddr* address) {
  auto* t = static_cast<Transfer*>(transfer);
  if (purpose != CURLSOCKTYPE_IPCXN) return CURL_SOCKET_BAD;
  bool complete = (address->family == AF_INET && address->addrlen >= sizeof(sockaddr_in)) ||
                  (address->family == AF_INET6 && address->addrlen >= sizeof(sockaddr_in6));
  if (!t->allow_private && (!complete || IsForbiddenAddress(&address->addr))) {
    t->refused_address = true;  // curl tries the host's other addresses, if any, then fails the transfer
    return CURL_SOCKET_BAD;
  }
  return ::socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
}

size_t HttpPoster::Impl::OnBody(char* data, size_t size, size_t n, void* transfer) {
  auto* t = static_cast<Transfer*>(transfer);
  size_t bytes = size * n;
  size_t room = t->max_body_bytes - std::min(t->max_body_bytes, t->response_body.size());
  t->response_body.append(data, std::min(room, bytes));
  return bytes;  // the rest is read and dropped, so the connection stays usable
}

size_t HttpPoster::Impl::OnHeader(char* data, size_t size, size_t n, void* transfer) {
  auto* t = static_cast<Transfer*>(transfer);
  size_t bytes = size * n;
  std::string_view line(data, bytes);
  if (line.starts_with("HTTP/")) {  // a new answer's status line (after a 1xx): forget the previous one's
    t->retry_after.reset();
    t->date.reset();
    return bytes;
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return bytes;
  std::string_view name = line.substr(0, colon);
  if (EqualsNoCase(name, "retry-after")) t->retry_after = std::string(Trim(line.substr(colon + 1)));
  if (EqualsNoCase(name, "date")) t->date = std::string(Trim(line.substr(colon + 1)));
  return bytes;
}

HttpPoster::HttpPoster(PosterSettings settings) : impl_(std::make_unique<Impl>(std::move(settings))) {}
HttpPoster::~HttpPoster() = default;
void HttpPoster::Post(PostRequest request, std::function<void(PostResult)> done) {
  impl_->Post(std::move(request), std::move(done));
}
void HttpPoster::Stop() { impl_->Stop(); }
size_t HttpPoster::InFlight() const { return impl_->InFlight(); }

}  // namespace wagate::events
