#include "wagate/graph/management_client.hpp"

#include <curl/curl.h>
#include <strings.h>

#include <memory>

#include "wagate/core/json_parse.hpp"
#include "wagate/graph/graph_id.hpp"

namespace wagate::graph {
namespace {

constexpr size_t kMaxJsonAnswer = 8 << 20;  // a page of 100 templates with components fits easily

struct Easy {
  CURL* curl = curl_easy_init();
  ~Easy() { curl_easy_cleanup(curl); }
};

// This thread's handle: keeps its connection to Graph alive between calls.
CURL* ThreadHandle() {
  thread_local Easy easy;
  curl_easy_reset(easy.curl);
  return easy.curl;
}

struct Headers {
  curl_slist* list = nullptr;
  ~Headers() { curl_slist_free_all(list); }
  void Add(const std::string& line) { list = curl_slist_append(list, line.c_str()); }
};

size_t CollectJson(char* data, size_t size, size_t n, void* user) {
  auto* out = static_cast<std::string*>(user);
  if (out->size() + size * n > kMaxJsonAnswer) return 0;
  out->append(data, size * n);
  return size * n;
}

void Common(CURL* curl, const ClientSettings& settings, const std::string& url, Headers& headers,
            const std::string& token) {
  headers.Add("Authorization: Bearer " + token);
  headers.Add("Expect:");
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.list);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(settings.connect_timeout_ms));
}

GraphAnswer Finish(CURL* curl, CURLcode rc, const std::string& raw) {
  GraphAnswer a;
  if (rc != CURLE_OK) {
    a.error = {0, rc == CURLE_OPERATION_TIMEDOUT ? "timeout" : "connection error", curl_easy_strerror(rc)};
    return a;
  }
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  a.http_status = static_cast<int>(status);
  a.body = core::ParseUntrustedJson(raw);
  if (a.body.is_discarded()) a.body = nullptr;
  if (auto err = GraphErrorOf(a.body)) {
    a.error = *err;
  } else if (status < 200 || status >= 300) {
    a.error = {0, "HTTP " + std::to_string(status), raw.substr(0, 200)};
  }
  return a;
}

GraphAnswer Perform(CURL* curl, const ClientSettings& settings, int64_t timeout_ms) {
  std::string raw;
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_ms > 0 ? timeout_ms : settings.timeout_ms));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, CollectJson);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &raw);
  CURLcode rc = curl_easy_perform(curl);
  return Finish(curl, rc, raw);
}

struct UploadSource {
  std::string_view data;
  size_t offset = 0;
};

size_t ReadUpload(char* buffer, size_t size, size_t n, void* user) {
  auto* src = static_cast<UploadSource*>(user);
  size_t len = std::min(size * n, src->data.size() - src->offset);
  std::copy_n(src->data.data() + src->offset, len, buffer);
  src->offset += len;
  return len;
}

int SeekUpload(void* user, curl_off_t offset, int origin) {
  auto* src = static_cast<UploadSource*>(user);
  if (origin != SEEK_SET || offset < 0 || static_cast<size_t>(offset) > src->data.size()) return CURL_SEEKFUNC_FAIL;
  src->offset = static_cast<size_t>(offset);
  return CURL_SEEKFUNC_OK;
}

struct DownloadState {
  uint64_t max_bytes = 0;
  const std::function<bool(const DownloadHead&)>* on_head = nullptr;
  const std::function<bool(std::string_view)>* on_data = nullptr;
  CURL* curl = nullptr;
  DownloadHead head;
  bool head_sent = false;
  bool streaming = false;  // a 200: the body goes to on_data; otherwise it is collected as an error
  std::string error_body;
  uint64_t bytes = 0;
  bool aborted = false;
};

size_t DownloadHeader(char* data, size_t size, size_t n, void* user) {
  auto* st = static_cast<DownloadState*>(user);
  std::string_view line(data, size * n);
  auto value_of = [&](std::string_view name) -> std::optional<std::string> {
    if (line.size() <= name.size() || strncasecmp(line.data(), name.data(), name.size()) != 0) return std::nullopt;
    std::string v(line.substr(name.size()));
    while (!v.empty() && (v.back() == '\r' || v.back() == '\n' || v.back() == ' ')) v.pop_back();
    while (!v.empty() && v.front() == ' ') v.erase(v.begin());
    return v;
  };
  if (line.rfind("HTTP/", 0) == 0) st->head = DownloadHead{};  // a new answer (after a redirect or 100)
  if (auto v = value_of("content-type:")) st->head.content_type = *v;
  if (auto v = value_of("content-length:")) {
    try {
      st->head.content_length = std::stoull(*v);
    } catch (...) {
    }
  }
  return size * n;
}

size_t DownloadBody(char* data, size_t size, size_t n, void* user) {
  auto* st = static_cast<DownloadState*>(user);
  size_t len = size * n;
  if (!st->head_sent) {
    st->head_sent = true;
    long status = 0;
    curl_easy_getinfo(st->curl, CURLINFO_RESPONSE_CODE, &status);
    st->head.http_status = static_cast<int>(status);
    st->streaming = status == 200;
    if (st->streaming && st->head.content_length && *st->head.content_length > st->max_bytes) {
      st->aborted = true;
      return 0;
    }
    if (st->streaming && !(*st->on_head)(st->head)) {
      st->aborted = true;
      return 0;
    }
  }
  if (!st->streaming) {
    if (st->error_body.size() < 64 * 1024) st->error_body.append(data, std::min<size_t>(len, 64 * 1024));
    return len;
  }
  if (st->bytes + len > st->max_bytes || !(*st->on_data)(std::string_view(data, len))) {
    st->aborted = true;
    return 0;
  }
  st->bytes += len;
  return len;
}

}  // namespace

core::Error ErrorFromGraph(const std::string& what, const GraphAnswer& a) {
  std::string message = what + " failed: " + a.error.title;
  if (!a.error.details.empty()) message += " (" + a.error.details + ")";
  bool caller = a.http_status >= 400 && a.http_status < 500 && a.error.code != 0 && a.error.code != 190 &&
                a.error.code != 4 && a.error.code != 80007;
  return {caller ? core::ErrorKind::kInvalidInput : core::ErrorKind::kUpstream, "graph_error", std::move(message)};
}

std::string ManagementClient::Url(const std::string& path) const {
  return settings_.base_url + "/" + settings_.version + "/" + path;
}

namespace {

// A path whose object segment is not a Graph id never leaves (see graph_id.hpp).
std::optional<GraphAnswer> RefuseBadObject(std::string_view path) {
  std::string_view object = path.substr(0, path.find_first_of("/?"));
  if (IsGraphId(object)) return std::nullopt;
  GraphAnswer refused;
  refused.http_status = 400;
  refused.error = {100, "invalid Graph object id", "not a Graph object id: the request was not sent"};
  return refused;
}

}  // namespace

GraphAnswer ManagementClient::Get(const std::string& path, const std::string& token) const {
  if (auto refused = RefuseBadObject(path)) return *refused;
  CURL* curl = ThreadHandle();
  Headers headers;
  std::string url = Url(path);
  Common(curl, settings_, url, headers, token);
  curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
  return Perform(curl, settings_, 0);
}

GraphAnswer ManagementClient::PostJson(const std::string& path, const std::string& token,
                                       const nlohmann::json& body) const {
  if (auto refused = RefuseBadObject(path)) return *refused;
  CURL* curl = ThreadHandle();
  Headers headers;
  headers.Add("Content-Type: application/json");
  std::string url = Url(path);
  std::string payload = body.dump();
  Common(curl, settings_, url, headers, token);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, payload.data());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(payload.size()));
  return Perform(curl, settings_, 0);
}

GraphAnswer ManagementClient::Delete(const std::string& path, const std::string& token) const {
  if (auto refused = RefuseBadObject(path)) return *refused;
  CURL* curl = ThreadHandle();
  Headers headers;
  std::string url = Url(path);
  Common(curl, settings_, url, headers, token);
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, "DELETE");
  return Perform(curl, settings_, 0);
}

GraphAnswer ManagementClient::UploadMedia(const std::string& phone_number_id, const std::string& token,
                                          std::string_view data, const std::string& mime_type,
                                          const std::string& filename) const {
  if (auto refused = RefuseBadObject(phone_number_id)) return *refused;
  CURL* curl = ThreadHandle();
  Headers headers;
  std::string url = Url(phone_number_id + "/media");
  Common(curl, settings_, url, headers, token);
  std::unique_ptr<curl_mime, decltype(&curl_mime_free)> mime(curl_mime_init(curl), &curl_mime_free);
  curl_mimepart* product = curl_mime_addpart(mime.get());
  curl_mime_name(product, "messaging_product");
  curl_mime_data(product, "whatsapp", CURL_ZERO_TERMINATED);
  curl_mimepart* type = curl_mime_addpart(mime.get());
  curl_mime_name(type, "type");
  curl_mime_data(type, mime_type.c_str(), CURL_ZERO_TERMINATED);
  UploadSource source{data, 0};
  curl_mimepart* file = curl_mime_addpart(mime.get());
  curl_mime_name(file, "file");
  curl_mime_filename(file, filename.c_str());
  curl_mime_type(file, mime_type.c_str());
  // Read from the caller's buffer: a 100 MB document is not copied again.
  curl_mime_data_cb(file, static_cast<curl_off_t>(data.size()), ReadUpload, SeekUpload, nullptr, &source);
  curl_easy_setopt(curl, CURLOPT_MIMEPOST, mime.get());
  // Uploads take longer than a message send: allow 1 s per MB on top of the usual timeout.
  int64_t timeout = settings_.timeout_ms + static_cast<int64_t>(data.size() / 1000);
  return Perform(curl, settings_, timeout);
}

DownloadResult ManagementClient::Download(const std::string& url, const std::string& token, uint64_t max_bytes,
                                          const std::function<bool(const DownloadHead&)>& on_head,
                                          const std::function<bool(std::string_view)>& on_data) const {
  CURL* curl = ThreadHandle();
  Headers headers;
  Common(curl, settings_, url, headers, token);
  DownloadState st;
  st.max_bytes = max_bytes;
  st.on_head = &on_head;
  st.on_data = &on_data;
  st.curl = curl;
  curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, DownloadHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &st);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, DownloadBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &st);
  // No overall timeout for a large body; a stalled transfer (under 1 KB/s for 30 s) is dropped.
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1024L);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, 30L);
  CURLcode rc = curl_easy_perform(curl);
  DownloadResult result;
  result.bytes = st.bytes;
  result.aborted = st.aborted;
  if (st.aborted) return result;
  if (!st.head_sent && rc == CURLE_OK) {  // an empty body: still an answer
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    st.head.http_status = static_cast<int>(status);
    if (status == 200) {
      on_head(st.head);
      result.answer.http_status = 200;
      return result;
    }
  }
  result.answer = Finish(curl, rc, st.error_body);
  return result;
}

}  // namespace wagate::graph
