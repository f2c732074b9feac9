// SLEDAI-2K weights and names (Gladman, Ibanez & Urowitz 2002, J Rheumatol 29:288, Table 1).
#include "tolsim/scores/sledai.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <stdexcept>
#include <string_view>

#include <fmt/format.h>

namespace tolsim::scores {
namespace {

struct ItemInfo {
  SledaiItem item;
  std::string_view name;
  int weight;
};

// One row per descriptor, in enumeration order (checked by index in item_info).
constexpr std::array<ItemInfo, 24> kItems{{
    {SledaiItem::kSeizure, "seizure", 8},
    {SledaiItem::kPsychosis, "psychosis", 8},
    {SledaiItem::kOrganicBrainSyndrome, "organic_brain_syndrome", 8},
    {SledaiItem::kVisualDisturbance, "visual_disturbance", 8},
    {SledaiItem::kCranialNerveDisorder, "cranial_nerve_disorder", 8},
    {SledaiItem::kLupusHeadache, "lupus_headache", 8},
    {SledaiItem::kCerebrovascularAccident, "cerebrovascular_accident", 8},
    {SledaiItem::kVasculitis, "vasculitis", 8},
    {SledaiItem::kArthritis, "arthritis", 4},
    {SledaiItem::kMyositis, "myositis", 4},
    {SledaiItem::kUrinaryCasts, "urinary_casts", 4},
    {SledaiItem::kHaematuria, "haematuria", 4},
    {SledaiItem::kProteinuria, "proteinuria", 4},
    {SledaiItem::kPyuria, "pyuria", 4},
    {SledaiItem::kRash, "rash", 2},
    {SledaiItem::kAlopecia, "alopecia", 2},
    {SledaiItem::kMucosalUlcers, "mucosal_ulcers", 2},
    {SledaiItem::kPleurisy, "pleurisy", 2},
    {SledaiItem::kPericarditis, "pericarditis", 2},
    {SledaiItem::kLowComplement, "low_complement", 2},
    {SledaiItem::kIncreasedDnaBinding, "increased_dna_binding", 2},
    {SledaiItem::kFever, "fever", 1},
    {SledaiItem::kThrombocytopenia, "thrombocytopenia", 1},
    {SledaiItem::kLeukopenia, "leukopenia", 1},
}};

static_assert(std::all_of(kItems.begin(), kItems.end(),
                          [](const ItemInfo& info) {
                            return &info - kItems.data() == static_cast<std::ptrdiff_t>(info.item);
                          }),
              "kItems must follow the order of SledaiItem");

std::size_t index_of(SledaiItem item, const char* function) {
  const auto index = static_cast<std::size_t>(item);
  if (index >= kItems.size())
    throw std::invalid_argument(
        fmt::format("{}: item = {}: not a SledaiItem (0..23)", function, static_cast<int>(item)));
  return index;
}

// Levenshtein distance, for "did you mean" on a mistyped name.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::array<std::size_t, 64> row{};
  if (b.size() >= row.size()) return b.size();
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

int sledai_2k_weight(SledaiItem item) {
  return kItems[index_of(item, "sledai_2k_weight")].weight;
}

int sledai_2k(std::span<const SledaiItem> present) {
  std::array<bool, kItems.size()> seen{};
  int total = 0;
  for (const SledaiItem item : present) {
    const std::size_t index = index_of(item, "sledai_2k");
    if (seen[index]) continue;  // a descriptor is present or not; listing it twice does not double it
    seen[index] = true;
    total += kItems[index].weight;
  }
  return total;
}

SledaiItem parse_sledai_item(const std::string& name) {
  for (const ItemInfo& info : kItems) {
    if (info.name == name) return info.item;
  }
  const ItemInfo* closest = nullptr;
  std::size_t best = 4;  // suggest only names within 3 edits
  for (const ItemInfo& info : kItems) {
    const std::size_t distance = edit_distance(name, info.name);
    if (distance < best) {
      best = distance;
      closest = &info;
    }
  }
  std::string message = fmt::format("parse_sledai_item: name = '{}': not a SLEDAI-2K descriptor", name);
  if (closest != nullptr) message += fmt::format(" (did you mean '{}'?)", closest->name);
  throw std::invalid_argument(message);
}

}  // namespace tolsim::scores
