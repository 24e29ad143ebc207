// Reading one upload of campaign recipients — a CSV file or a JSON document — piece by piece as the
// body arrives, never whole: each row is checked (phone normalised to E.164, every variable the
// message uses present) and handed on in batches; a refused row is reported with its row number.
#pragma once

#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "wagate/core/result.hpp"
#include "wagate/store/campaign_store.hpp"

namespace wagate::campaigns {

struct UploadFormat {
  enum class Kind { kCsv, kJson };
  Kind kind = Kind::kCsv;
  std::string phone_column = "phone";  // CSV: the column holding the number; every other is a variable
};

struct UploadLimits {
  int64_t max_recipients = 1000000;  // rows per campaign, every upload together
};

// Pulls the next piece of the body into `chunk` (replacing it); false at the end. A broken upload
// (the client went away, the body limit) is an Error.
using ChunkReader = std::function<core::Result<bool>(std::string& chunk)>;

// Receives checked rows in batches (a few thousand at a time, and the rest at the end); the batch is
// the sink's to keep (it may be written while the next one is read).
using BatchSink = std::function<core::Status(std::vector<store::RecipientRow>, std::vector<store::RejectedRow>)>;

// Reads the whole upload. `needed`: the placeholders the campaign's message uses; `max_rows`: rows
// this upload may still bring (beyond: `too_many_recipients`). A malformed document (bad JSON, a CSV
// without the phone column) fails as a whole; a bad row is only rejected.
core::Status ReadRecipients(const UploadFormat& format, const ChunkReader& read, const std::set<std::string>& needed,
                            int64_t max_rows, const BatchSink& sink);

}  // namespace wagate::campaigns
