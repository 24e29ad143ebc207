#include "wagate/media/media_service.hpp"

#include "wagate/core/url_encoding.hpp"
#include "wagate/graph/graph_id.hpp"
#include "wagate/graph/management_client.hpp"
#include "wagate/media/media_kinds.hpp"

namespace wagate::media {
namespace {

using nlohmann::json;

core::Error FromGraph(const std::string& what, const graph::GraphAnswer& a) {
  core::Error e = graph::ErrorFromGraph(what, a);
  // Graph's "unknown object" (100, e.g. an expired or deleted media id) is a 404 for our caller.
  if (a.error.code == 100 && a.http_status >= 400 && a.http_status < 500) {
    e.kind = core::ErrorKind::kNotFound;
    e.code = "not_found";
  }
  return e;
}

std::string StringOf(const json& j, const char* key) {
  if (!j.is_object() || !j.contains(key)) return {};
  if (j[key].is_string()) return j[key].get<std::string>();
  if (j[key].is_number_integer()) return std::to_string(j[key].get<int64_t>());
  return {};
}

}  // namespace

core::Result<json> MediaService::Upload(const tenancy::OutletCredentials& outlet, const media::Upload& up) const {
  auto kind = KindOfMime(up.mime_type);
  if (!kind) {
    return core::Error::InvalidField(
        "file", "has type '" + up.mime_type + "', which WhatsApp does not accept; use one of: " + SupportedMimeTypes());
  }
  if (up.data.empty()) return core::Error::InvalidField("file", "is empty");
  if (up.data.size() > kind->max_bytes) {
    core::Error e{core::ErrorKind::kTooLarge, "media_too_large",
                  "a " + std::string(kind->kind) + " may be at most " + std::to_string(kind->max_bytes) +
                      " bytes; this file has " + std::to_string(up.data.size()),
                  "file"};
    return e;
  }
  std::string filename = up.filename.empty() ? "upload" : up.filename;
  graph::GraphAnswer a =
      graph_.UploadMedia(outlet.phone_number_id, outlet.access_token, up.data, up.mime_type, filename);
  if (!a.ok()) return FromGraph("uploading the media", a);
  std::string id = StringOf(a.body, "id");
  if (id.empty())
    return core::Error{core::ErrorKind::kUpstream, "graph_error", "Graph answered an upload without an id"};
  return json{{"id", id}, {"mime_type", up.mime_type}, {"file_size", up.data.size()}, {"kind", kind->kind}};
}

core::Result<json> MediaService::FetchMetadata(const tenancy::OutletCredentials& outlet,
                                               const std::string& media_id) const {
  if (!graph::IsGraphId(media_id)) return core::Error::NotFound("media");
  graph::GraphAnswer a =
      graph_.Get(media_id + "?phone_number_id=" + core::UrlEncode(outlet.phone_number_id), outlet.access_token);
  if (!a.ok()) return FromGraph("fetching the media", a);
  return a.body;
}

core::Result<json> MediaService::Metadata(const tenancy::OutletCredentials& outlet, const std::string& media_id) const {
  auto meta = FetchMetadata(outlet, media_id);
  if (!meta) return meta.error();
  std::string size = StringOf(*meta, "file_size");  // documented as a string, seen as a number
  json out = {{"id", media_id}, {"mime_type", StringOf(*meta, "mime_type")}, {"sha256", StringOf(*meta, "sha256")}};
  try {
    out["file_size"] = size.empty() ? json(nullptr) : json(std::stoull(size));
  } catch (...) {
    out["file_size"] = nullptr;
  }
  return out;
}

core::Status MediaService::Delete(const tenancy::OutletCredentials& outlet, const std::string& media_id) const {
  if (!graph::IsGraphId(media_id)) return core::Error::NotFound("media");
  graph::GraphAnswer a =
      graph_.Delete(media_id + "?phone_number_id=" + core::UrlEncode(outlet.phone_number_id), outlet.access_token);
  if (!a.ok()) return FromGraph("deleting the media", a);
  return core::Ok{};
}

core::Result<DownloadHead> MediaService::Download(const tenancy::OutletCredentials& outlet, const std::string& media_id,
                                                  ByteSink& sink) const {
  // Meta's media URLs live 5 minutes: a 404 on the URL means "fetch a fresh one", once.
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto meta = FetchMetadata(outlet, media_id);
    if (!meta) return meta.error();
    std::string url = StringOf(*meta, "url");
    if (url.rfind("https://", 0) != 0 && url.rfind("http://", 0) != 0) {
      return core::Error{core::ErrorKind::kUpstream, "graph_error", "Graph gave no download URL for this media"};
    }
    std::optional<DownloadHead> opened;
    graph::DownloadResult r = graph_.Download(
        url, outlet.access_token, kMaxMediaBytes,
        [&](const graph::DownloadHead& answer) {
          DownloadHead head;
          head.content_type = answer.content_type.empty() ? StringOf(*meta, "mime_type") : answer.content_type;
          if (head.content_type.empty()) head.content_type = "application/octet-stream";
          head.content_length = answer.content_length;
          head.sha256 = StringOf(*meta, "sha256");
          opened = head;
          return sink.Open(*opened);
        },
        [&](std::string_view chunk) { return sink.Write(chunk); });
    if (opened) {
      if (!r.aborted && r.answer.ok()) return *opened;
      // Bytes may have gone out: no retry, and the error is for the caller's truncation only.
      return core::Error{core::ErrorKind::kUpstream, "download_interrupted",
                         "the media download broke off after " + std::to_string(r.bytes) + " bytes"};
    }
    if (r.aborted) {
      return core::Error{core::ErrorKind::kTooLarge, "media_too_large",
                         "the media is larger than " + std::to_string(kMaxMediaBytes) + " bytes"};
    }
    if (r.answer.http_status == 404 && attempt == 0) continue;
    return FromGraph("downloading the media", r.answer);
  }
  return core::Error{core::ErrorKind::kUpstream, "graph_error", "the media URL kept answering 404"};
}

}  // namespace wagate::media
