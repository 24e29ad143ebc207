// A webhook delivery as ingest accepted it: parsed once, with the outlets whose app secret signed it.
// Ingest hands it to the processor with the journal id, so the processor neither parses the body nor
// checks its signature again (it does both only for entries journaled before a restart).
#pragma once

#include <set>
#include <string>

#include "wagate/graph/webhook_payload.hpp"

namespace wagate::inbound {

struct Delivery {
  graph::WebhookPayload payload;
  std::set<std::string> signed_by;  // outlet ids whose app secret produced the signature
};

}  // namespace wagate::inbound
