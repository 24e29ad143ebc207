#include "wagate/campaigns/campaign_service.hpp"

#include <algorithm>
#include <future>

#include "wagate/campaigns/placeholders.hpp"
#include "wagate/campaigns/runner.hpp"
#include "wagate/content/message_content.hpp"
#include "wagate/core/ids.hpp"
#include "wagate/core/time_format.hpp"

namespace wagate::campaigns {
namespace {

using store::CampaignRecord;
using store::CampaignStatus;

// Types that make sense to many customers at once: a reaction or a read receipt names one message.
bool CampaignType(const std::string& type) { return type != "reaction" && type != "mark_read"; }

std::string CsvField(const std::string& v) {
  if (v.find_first_of(",\"\r\n") == std::string::npos) return v;
  std::string out = "\"";
  for (char c : v) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string Time(const std::optional<int64_t>& ms) { return ms ? core::FormatIso8601(*ms) : ""; }

}  // namespace

core::Result<CampaignRecord> CampaignService::Create(const tenancy::Principal& who, const CampaignSpec& spec) {
  auto outlet = outlets_.ById(spec.outlet_id);
  if (!who.CanSee(spec.tenant_id)) return core::Error::NotFound("tenant");
  if (!outlet || outlet->tenant_id != spec.tenant_id) return core::Error::NotFound("outlet");
  auto content = content::ParseMessageContent(spec.message);
  if (!content) return content.error();
  if (!CampaignType(content->type)) {
    return core::Error::InvalidField("message_type", "cannot be " + content->type + " in a campaign");
  }
  if (content->template_use) {
    if (core::Status s = templates_.CheckSend(outlet->waba_id, *content->template_use); !s.ok()) return s.error();
  }
  int64_t now = clock_.NowMs();
  if (spec.expires_at && *spec.expires_at <= now)
    return core::Error::InvalidField("expires_at", "must be in the future");
  CampaignRecord r;
  r.id = core::NewId("cmp_", now);
  r.tenant_id = spec.tenant_id;
  r.outlet_id = spec.outlet_id;
  r.name = spec.name;
  r.status = CampaignStatus::kDraft;
  r.message = spec.message.dump();
  for (const auto& name : Placeholders(spec.message)) r.variables.push_back(name);
  r.pacing = spec.pacing;
  r.start_at = spec.start_at;
  r.expires_at = spec.expires_at;
  r.ttl_s = spec.ttl_s;
  r.created_at = r.updated_at = now;
  if (core::Status s = store_.Create(r); !s.ok()) return s.error();
  return r;
}

core::Result<CampaignRecord> CampaignService::Visible(const tenancy::Principal& who, const std::string& id) {
  auto r = store_.Get(who.is_admin ? std::nullopt : std::optional<std::string>(who.tenant_id), id);
  if (!r) return core::Error::NotFound("campaign");
  return *r;
}

core::Result<CampaignRecord> CampaignService::Get(const tenancy::Principal& who, const std::string& id) {
  return Visible(who, id);
}

std::vector<CampaignRecord> CampaignService::List(const tenancy::Principal& who,
                                                  const std::optional<std::string>& tenant_id,
                                                  std::optional<CampaignStatus> status,
                                                  const std::optional<std::string>& before_id, int64_t limit) {
  std::optional<std::string> tenant = who.is_admin ? tenant_id : std::optional<std::string>(who.tenant_id);
  return store_.List(tenant, status, before_id, limit);
}

core::Result<store::UploadCounts> CampaignService::Upload(const tenancy::Principal& who, const std::string& id,
                                                          const UploadFormat& format, const ChunkReader& read) {
  auto campaign = Visible(who, id);
  if (!campaign) return campaign.error();
  {
    std::lock_guard lock(uploads_mu_);
    if (!uploading_.insert(id).second) {
      return core::Error{core::ErrorKind::kConflict, "upload_in_progress",
                         "another upload of recipients to this campaign is in progress; retry when it has finished"};
    }
  }
  struct Release {
    CampaignService* self;
    std::string id;
    ~Release() {
      std::lock_guard lock(self->uploads_mu_);
      self->uploading_.erase(id);
    }
  } release{this, id};

  auto ticket = store_.BeginUpload(campaign->tenant_id, id);
  if (!ticket) return ticket.error();
  store::UploadCounts counts;
  std::set<std::string> needed(campaign->variables.begin(), campaign->variables.end());
  int64_t room = std::max<int64_t>(0, limits_.max_recipients - campaign->counts.total);
  // One batch is written while the next is read and checked, so an upload takes about the longer of
  // the two rather than their sum. A failed write ends the reading at the next batch.
  std::future<core::Status> writing;
  auto written = [&writing]() -> core::Status { return writing.valid() ? writing.get() : core::Ok{}; };
  core::Status read_all = ReadRecipients(
      format, read, needed, room,
      [&](std::vector<store::RecipientRow> rows, std::vector<store::RejectedRow> rejected) -> core::Status {
        if (core::Status s = written(); !s.ok()) return s;
        writing = std::async(std::launch::async,
                             [this, &ticket, &counts, rows = std::move(rows), rejected = std::move(rejected)]() {
                               return store_.AddRecipients(*ticket, rows, rejected, counts);
                             });
        return core::Ok{};
      });
  core::Status last_write = written();  // before anything else touches the ticket or the counts
  if (read_all.ok()) read_all = last_write;
  if (!read_all.ok()) {
    store_.AbortUpload(*ticket);  // nothing of a failed upload counts: the caller sends it again
    return read_all.error();
  }
  auto finished = store_.FinishUpload(*ticket, counts, clock_.NowMs());
  if (!finished) return finished.error();
  return counts;
}

core::Result<std::vector<std::pair<int64_t, store::RejectedRow>>> CampaignService::Rejected(
    const tenancy::Principal& who, const std::string& id, std::pair<int64_t, int64_t> after, int64_t limit) {
  auto campaign = Visible(who, id);
  if (!campaign) return campaign.error();
  return store_.Rejected(id, after, limit);
}

core::Result<CampaignRecord> CampaignService::Apply(const tenancy::Principal& who, const std::string& id,
                                                    CampaignAction action) {
  auto campaign = Visible(who, id);
  if (!campaign) return campaign.error();
  int64_t now = clock_.NowMs();
  // A campaign whose start time is ahead waits for it, scheduled.
  CampaignStatus go =
      campaign->start_at && *campaign->start_at > now ? CampaignStatus::kScheduled : CampaignStatus::kRunning;
  std::vector<CampaignStatus> from;
  CampaignStatus to = go;
  switch (action) {
    case CampaignAction::kStart: {
      from = {CampaignStatus::kDraft};
      bool uploading = false;
      {
        std::lock_guard lock(uploads_mu_);
        uploading = uploading_.count(id) > 0;
      }
      if (uploading) {
        return core::Error{core::ErrorKind::kConflict, "upload_in_progress",
                           "an upload of recipients is in progress; start the campaign when it has finished"};
      }
      if (campaign->status == CampaignStatus::kDraft && campaign->counts.pending == 0) {
        return core::Error{core::ErrorKind::kConflict, "no_recipients",
                           "the campaign has no recipients to send to: upload some first"};
      }
      break;
    }
    case CampaignAction::kPause:
      from = {CampaignStatus::kRunning, CampaignStatus::kScheduled};
      to = CampaignStatus::kPaused;
      break;
    case CampaignAction::kResume:
      from = {CampaignStatus::kPaused};
      break;
    case CampaignAction::kCancel:
      from = {CampaignStatus::kDraft, CampaignStatus::kScheduled, CampaignStatus::kRunning, CampaignStatus::kPaused};
      to = CampaignStatus::kCancelled;
      break;
  }
  auto moved = store_.Transition(campaign->tenant_id, id, from, to, std::nullopt, now);
  if (!moved) return moved.error();
  if (runner_) {
    if (action == CampaignAction::kResume) runner_->Resumed(id);
    runner_->Wake();
  }
  return moved;
}

core::Status CampaignService::Export(const tenancy::Principal& who, const std::string& id,
                                     const std::function<bool(const std::string&)>& write) {
  auto campaign = Visible(who, id);
  if (!campaign) return campaign.error();
  std::vector<std::string> columns;  // the variables of the first row (a CSV upload's header, in order)
  bool first = true;
  bool open = true;
  store_.ForEachOutcome(id, [&](const store::RecipientOutcome& o) {
    nlohmann::json vars = nlohmann::json::parse(o.variables, nullptr, false);
    if (!vars.is_object()) vars = nlohmann::json::object();
    if (first) {
      for (const auto& [name, _] : vars.items()) columns.push_back(name);
      std::string header = "upload,row,phone";
      for (const auto& c : columns) header += "," + CsvField(c);
      header +=
          ",status,message_id,whatsapp_message_id,error_code,error_title,queued_at,sent_at,delivered_at,read_at,"
          "failed_at,replied\r\n";
      first = false;
      if (!write(header)) return open = false;
    }
    std::string line = std::to_string(o.upload) + "," + std::to_string(o.row) + "," + CsvField(o.phone);
    for (const auto& c : columns) {
      line += ",";
      if (vars.contains(c) && vars[c].is_string()) line += CsvField(vars[c].get<std::string>());
    }
    line += "," + o.status + "," + o.message_id.value_or("") + "," + CsvField(o.wamid.value_or(""));
    line += "," + (o.error && o.error->code ? std::to_string(o.error->code) : std::string());
    line += "," + CsvField(o.error ? o.error->title : std::string());
    line += "," + Time(o.queued_at) + "," + Time(o.sent_at) + "," + Time(o.delivered_at) + "," + Time(o.read_at) + "," +
            Time(o.failed_at) + "," + (o.replied ? "true" : "false") + "\r\n";
    return open = write(line);
  });
  if (first && open) {
    write(
        "upload,row,phone,status,message_id,whatsapp_message_id,error_code,error_title,queued_at,sent_at,"
        "delivered_at,read_at,failed_at,replied\r\n");
  }
  return core::Ok{};
}

}  // namespace wagate::campaigns
