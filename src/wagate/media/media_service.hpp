// Media through the gateway with the outlet's token: upload (Meta's per-type limits checked first),
// metadata, delete, and downloads relayed piece by piece (never held whole in memory).
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "wagate/core/result.hpp"
#include "wagate/graph/management_client.hpp"
#include "wagate/http/message.hpp"
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

  // → {"id", "mime_type", "file_size", "kind"}. Unsupported type → 400, over the kind's limit → 413.
  core::Result<nlohmann::json> Upload(const tenancy::OutletCredentials& outlet, const Upload& upload) const;
  // → {"id", "mime_type", "sha256", "file_size"} (Graph's short-lived URL is not handed out: it
  // needs the outlet's token, which callers never see).
  core::Result<nlohmann::json> Metadata(const tenancy::OutletCredentials& outlet, const std::string& media_id) const;
  core::Status Delete(const tenancy::OutletCredentials& outlet, const std::string& media_id) const;
  // Answers `respond` with the media's bytes (status 200, its Content-Type and length), streamed
  // from Graph as they arrive; or with an error before any byte was sent.
  void Download(const tenancy::OutletCredentials& outlet, const std::string& media_id,
                const http::Responder& respond) const;

 private:
  core::Result<nlohmann::json> FetchMetadata(const tenancy::OutletCredentials& outlet,
                                             const std::string& media_id) const;
  const graph::ManagementClient& graph_;
};

}  // namespace wagate::media
