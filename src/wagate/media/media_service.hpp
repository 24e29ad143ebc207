// Media through the gateway with the outlet's token: upload (Meta's per-type limits checked first),
// metadata, delete, and downloads relayed piece by piece (never held whole in memory).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "wagate/core/result.hpp"
#include "wagate/graph/management_client.hpp"
#include "wagate/media/byte_sink.hpp"
#include "wagate/tenancy/outlet_registry.hpp"

namespace wagate::media {

struct Upload {
  std::string_view data;
  std::string mime_type;
  std::string filename;
};

// Thread-safe; every call blocks on Graph: worker threads only.
class MediaService final {
 public:
  explicit MediaService(const graph::ManagementClient& graph) : graph_(graph) {}

  // → {"id", "mime_type", "file_size", "kind"}. Unsupported type: kInvalidInput; over the kind's limit: kTooLarge.
  core::Result<nlohmann::json> Upload(const tenancy::OutletCredentials& outlet, const Upload& upload) const;
  // → {"id", "mime_type", "sha256", "file_size"} (Graph's short-lived URL is not handed out: it
  // needs the outlet's token, which callers never see).
  core::Result<nlohmann::json> Metadata(const tenancy::OutletCredentials& outlet, const std::string& media_id) const;
  core::Status Delete(const tenancy::OutletCredentials& outlet, const std::string& media_id) const;
  // Streams the media's bytes into `sink` as they arrive from Graph, never holding it whole.
  // Ok: `sink` was opened with the returned head and took every byte; the caller completes it.
  // An error while `sink` was never opened: nothing was sent, the error is the answer (not found,
  // kTooLarge over kMaxMediaBytes, kUpstream when Graph fails). An error after `sink` was opened:
  // the body broke off part-way, and the caller must make the truncation visible (abort, not finish).
  core::Result<DownloadHead> Download(const tenancy::OutletCredentials& outlet, const std::string& media_id,
                                      ByteSink& sink) const;

 private:
  core::Result<nlohmann::json> FetchMetadata(const tenancy::OutletCredentials& outlet,
                                             const std::string& media_id) const;
  const graph::ManagementClient& graph_;
};

}  // namespace wagate::media
