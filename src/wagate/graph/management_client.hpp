// Graph calls besides sending messages: templates (list/create/delete) and media (upload, metadata,
// delete, download). Synchronous, one curl handle per calling thread; used from worker threads.
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "wagate/core/graph_error.hpp"
#include "wagate/core/result.hpp"
#include "wagate/graph/client.hpp"

namespace wagate::graph {

struct GraphAnswer {
  int http_status = 0;     // 0: no answer (connection error or timeout)
  nlohmann::json body;     // parsed JSON body (null when it was not JSON)
  core::GraphError error;  // Meta's code/title/details, or ours for transport errors
  bool ok() const { return http_status >= 200 && http_status < 300 && error.code == 0 && error.title.empty(); }
};

struct DownloadHead {
  int http_status = 0;
  std::string content_type;
  std::optional<uint64_t> content_length;
};

struct DownloadResult {
  GraphAnswer answer;    // for a failed download: what went wrong
  uint64_t bytes = 0;    // bytes handed to on_data
  bool aborted = false;  // on_data asked to stop, or the body outgrew max_bytes
};

class ManagementClient final {
 public:
  explicit ManagementClient(ClientSettings settings) : settings_(std::move(settings)) {}

  // `path` is relative to {base}/{version}/ and may carry a query ("123/message_templates?limit=100").
  GraphAnswer Get(const std::string& path, const std::string& token) const;
  GraphAnswer PostJson(const std::string& path, const std::string& token, const nlohmann::json& body) const;
  GraphAnswer Delete(const std::string& path, const std::string& token) const;
  // POST /{phone_number_id}/media as multipart/form-data; `data` is streamed from the caller's buffer.
  GraphAnswer UploadMedia(const std::string& phone_number_id, const std::string& token, std::string_view data,
                          const std::string& mime_type, const std::string& filename) const;
  // GETs an absolute media URL with the bearer token and hands the body over piece by piece.
  // `on_head` runs once, before any data, for a 200 answer; a non-200 answer is collected into
  // result.answer instead. Bodies over `max_bytes` are cut off (aborted = true).
  DownloadResult Download(const std::string& url, const std::string& token, uint64_t max_bytes,
                          const std::function<bool(const DownloadHead&)>& on_head,
                          const std::function<bool(std::string_view)>& on_data) const;

  std::string Url(const std::string& path) const;

 private:
  ClientSettings settings_;
};

// A failed answer as our error: "<what> failed: <Meta's title> (<details>)". Meta's validation answers
// (4xx with a Graph code) are the caller's to fix → 400 `graph_error`; the token (190), Graph's rate
// limits (4, 80007), transport errors and 5xx are Graph's side → 502 `graph_error`.
core::Error ErrorFromGraph(const std::string& what, const GraphAnswer& answer);

}  // namespace wagate::graph
