#include "wagate/messaging/dead_letters.hpp"

#include <memory>
#include <unordered_set>

namespace wagate::messaging {

void DeadLetters::Requeue(std::vector<store::MessageRecord> candidates,
                          std::function<void(core::Result<RequeueReport>)> done) {
  int64_t now = clock_.NowMs();
  std::vector<std::string> ids;
  ids.reserve(candidates.size());
  for (const auto& m : candidates) ids.push_back(m.id);
  auto list = std::make_shared<std::vector<store::MessageRecord>>(std::move(candidates));
  messages_.Requeue(
      std::move(ids), now, [this, list, now, done = std::move(done)](core::Result<std::vector<std::string>> r) {
        if (!r) return done(r.error());
        std::unordered_set<std::string> requeued(r->begin(), r->end());
        RequeueReport report;
        for (const auto& m : *list) {
          if (!requeued.count(m.id)) continue;
          dispatcher_.Enqueue(engine::QueuedMessage{m.id, m.to_number, static_cast<engine::Priority>(m.priority != 0)},
                              m.outlet_id, now);
          report.requeued.push_back(m.id);
        }
        report.skipped = list->size() - report.requeued.size();
        done(std::move(report));
      });
}

}  // namespace wagate::messaging
