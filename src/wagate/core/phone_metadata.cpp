#include "wagate/core/phone_metadata.hpp"

#include <phonenumbers/phonemetadata.pb.h>

#include <mutex>
#include <utility>

#include "wagate/core/log.hpp"

// Exported by libphonenumber.so (its compiled-in metadata, a serialised PhoneMetadataCollection) but
// declared in no installed header.
namespace i18n::phonenumbers {
const void* metadata_get();
int metadata_size();
}  // namespace i18n::phonenumbers

namespace wagate::core {

namespace {

constexpr int kCallingCodeLimit = 1000;  // codes have at most three digits

NumberDescSource DescSource(const i18n::phonenumbers::PhoneNumberDesc& desc) {
  return {desc.national_number_pattern(), {desc.possible_length().begin(), desc.possible_length().end()}};
}

PlanSource PlanSourceOf(const i18n::phonenumbers::PhoneMetadata& metadata) {
  PlanSource source;
  source.id = metadata.id();
  source.country_code = metadata.country_code();
  source.main_country_for_code = metadata.main_country_for_code();
  source.general = DescSource(metadata.general_desc());
  const auto& local_only = metadata.general_desc().possible_length_local_only();
  source.local_only_lengths.assign(local_only.begin(), local_only.end());
  // GetNumberTypeHelper's types. Validity asks only whether any matches, so their order is not kept.
  for (const auto* desc : {&metadata.premium_rate(), &metadata.toll_free(), &metadata.shared_cost(), &metadata.voip(),
                           &metadata.personal_number(), &metadata.pager(), &metadata.uan(), &metadata.voicemail(),
                           &metadata.fixed_line()}) {
    source.types.push_back(DescSource(*desc));
  }
  if (!metadata.same_mobile_and_fixed_line_pattern()) source.types.push_back(DescSource(metadata.mobile()));
  if (metadata.has_leading_digits()) source.leading_digits = metadata.leading_digits();
  source.national_prefix_for_parsing = metadata.national_prefix_for_parsing();
  source.national_prefix_transform_rule = metadata.national_prefix_transform_rule();
  return source;
}

}  // namespace

struct PhoneMetadata::Slot {
  std::once_flag once;
  std::unique_ptr<const CompiledPlan> plan;
};

std::vector<PlanSource> LoadLibphonenumberMetadata() {
  i18n::phonenumbers::PhoneMetadataCollection collection;
  if (!collection.ParseFromArray(i18n::phonenumbers::metadata_get(), i18n::phonenumbers::metadata_size())) {
    LogError("core.phone", "libphonenumber's metadata could not be read: every phone number will be refused");
    return {};
  }
  std::vector<PlanSource> sources;
  sources.reserve(collection.metadata_size());
  for (const auto& metadata : collection.metadata()) {
    if (metadata.id() == "ZZ") continue;  // libphonenumber skips the "unknown region" entry too
    sources.push_back(PlanSourceOf(metadata));
  }
  return sources;
}

const PhoneMetadata& PhoneMetadata::Instance() {
  static const PhoneMetadata instance(LoadLibphonenumberMetadata());
  return instance;
}

PhoneMetadata::PhoneMetadata(std::vector<PlanSource> sources)
    : sources_(std::move(sources)),
      by_calling_code_(kCallingCodeLimit),
      slots_(std::make_unique<Slot[]>(sources_.size())) {
  // As PhoneNumberUtil's constructor: the main country of a shared code goes first, the others follow
  // in metadata order. GetRegionCodeForNumberFromRegionList tries them in this order.
  for (size_t i = 0; i < sources_.size(); ++i) {
    const int code = sources_[i].country_code;
    if (code <= 0 || code >= kCallingCodeLimit) continue;
    auto& plans = by_calling_code_[code];
    const auto index = static_cast<uint16_t>(i);
    if (sources_[i].main_country_for_code) {
      plans.insert(plans.begin(), index);
    } else {
      plans.push_back(index);
    }
  }
}

PhoneMetadata::~PhoneMetadata() = default;

std::span<const uint16_t> PhoneMetadata::PlansFor(int calling_code) const {
  if (calling_code <= 0 || calling_code >= kCallingCodeLimit) return {};
  return by_calling_code_[calling_code];
}

const CompiledPlan& PhoneMetadata::Plan(size_t index) const {
  Slot& slot = slots_[index];
  std::call_once(slot.once, [&] {
    slot.plan = std::make_unique<const CompiledPlan>(sources_[index]);
    if (!slot.plan->ok()) {
      LogError("core.phone", "a pattern of libphonenumber's metadata does not compile with RE2; it matches nothing",
               {{"plan", sources_[index].id}, {"country_code", sources_[index].country_code}});
    }
    compiled_.fetch_add(1, std::memory_order_relaxed);
  });
  return *slot.plan;
}

size_t PhoneMetadata::compiled_count() const { return compiled_.load(std::memory_order_relaxed); }

}  // namespace wagate::core
