// SLEDAI-2K: Systemic Lupus Erythematosus Disease Activity Index 2000 (Gladman DD, Ibanez D, Urowitz MB 2002,
// J Rheumatol 29:288). 24 weighted descriptors present in the last 10 days (or at the visit); total 0 to 105.
#pragma once

#include <span>
#include <string>

namespace tolsim::scores {

// The 24 descriptors, in the order of Gladman 2002's form. Weights: 8 for the first eight (neurological and
// vasculitis), 4 for arthritis .. pyuria (musculoskeletal and renal), 2 for rash .. increased DNA binding
// (mucocutaneous, serosal and immunological), 1 for fever, thrombocytopenia and leukopenia.
enum class SledaiItem {
  kSeizure,
  kPsychosis,
  kOrganicBrainSyndrome,
  kVisualDisturbance,
  kCranialNerveDisorder,
  kLupusHeadache,
  kCerebrovascularAccident,
  kVasculitis,
  kArthritis,
  kMyositis,
  kUrinaryCasts,
  kHaematuria,
  kProteinuria,
  kPyuria,
  kRash,
  kAlopecia,
  kMucosalUlcers,
  kPleurisy,
  kPericarditis,
  kLowComplement,
  kIncreasedDnaBinding,
  kFever,
  kThrombocytopenia,
  kLeukopenia
};  // 24 items

// Weight of one descriptor (8, 4, 2 or 1). A value outside the enumeration throws std::invalid_argument.
int sledai_2k_weight(SledaiItem item);

// Sum of the weights of the descriptors present. A descriptor listed twice counts once (a descriptor is present
// or absent); the maximum, all 24 present, is 105.
int sledai_2k(std::span<const SledaiItem> present);

// The descriptor named in snake_case: "seizure", "organic_brain_syndrome", "increased_dna_binding", ... (the
// enumerator without its k, in snake_case). An unknown name throws std::invalid_argument that lists a close name
// when there is one.
SledaiItem parse_sledai_item(const std::string& name);

}  // namespace tolsim::scores
