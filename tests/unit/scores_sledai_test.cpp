// SLEDAI-2K weights, total and names.
//
// Expected weights: Gladman DD, Ibanez D, Urowitz MB. Systemic lupus erythematosus disease activity index 2000.
// J Rheumatol 2002;29:288-91, Table 1 (reproduced in /work/shared/science/clinical-scores.md): 8 points for each of
// 8 neurological/vascular descriptors, 4 for each of 6 musculoskeletal/renal ones, 2 for each of 7
// mucocutaneous/serosal/immunological ones, 1 for each of 3 constitutional/haematological ones:
// maximum 8*8 + 6*4 + 7*2 + 3*1 = 64 + 24 + 14 + 3 = 105.
#include <stdexcept>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tolsim/scores/sledai.hpp"

namespace tolsim::scores {
namespace {

using ::testing::HasSubstr;

struct Descriptor {
  const char* name;  // snake_case name accepted by parse_sledai_item
  SledaiItem item;
  int weight;  // Gladman 2002, Table 1
};

// Written from the paper's table, independently of the implementation's table.
const std::vector<Descriptor>& descriptors() {
  static const std::vector<Descriptor> table{
      {"seizure", SledaiItem::kSeizure, 8},
      {"psychosis", SledaiItem::kPsychosis, 8},
      {"organic_brain_syndrome", SledaiItem::kOrganicBrainSyndrome, 8},
      {"visual_disturbance", SledaiItem::kVisualDisturbance, 8},
      {"cranial_nerve_disorder", SledaiItem::kCranialNerveDisorder, 8},
      {"lupus_headache", SledaiItem::kLupusHeadache, 8},
      {"cerebrovascular_accident", SledaiItem::kCerebrovascularAccident, 8},
      {"vasculitis", SledaiItem::kVasculitis, 8},
      {"arthritis", SledaiItem::kArthritis, 4},
      {"myositis", SledaiItem::kMyositis, 4},
      {"urinary_casts", SledaiItem::kUrinaryCasts, 4},
      {"haematuria", SledaiItem::kHaematuria, 4},
      {"proteinuria", SledaiItem::kProteinuria, 4},
      {"pyuria", SledaiItem::kPyuria, 4},
      {"rash", SledaiItem::kRash, 2},
      {"alopecia", SledaiItem::kAlopecia, 2},
      {"mucosal_ulcers", SledaiItem::kMucosalUlcers, 2},
      {"pleurisy", SledaiItem::kPleurisy, 2},
      {"pericarditis", SledaiItem::kPericarditis, 2},
      {"low_complement", SledaiItem::kLowComplement, 2},
      {"increased_dna_binding", SledaiItem::kIncreasedDnaBinding, 2},
      {"fever", SledaiItem::kFever, 1},
      {"thrombocytopenia", SledaiItem::kThrombocytopenia, 1},
      {"leukopenia", SledaiItem::kLeukopenia, 1},
  };
  return table;
}

TEST(Sledai2k, TwentyFourDescriptors) {
  EXPECT_EQ(descriptors().size(), 24u);
}

TEST(Sledai2k, EachSingleDescriptorScoresItsWeight) {
  for (const Descriptor& d : descriptors()) {
    EXPECT_EQ(sledai_2k_weight(d.item), d.weight) << d.name;
    const SledaiItem one[] = {d.item};
    EXPECT_EQ(sledai_2k(one), d.weight) << d.name;
  }
}

TEST(Sledai2k, AllDescriptorsGiveTheMaximum105) {
  std::vector<SledaiItem> all;
  for (const Descriptor& d : descriptors()) all.push_back(d.item);
  EXPECT_EQ(sledai_2k(all), 105);  // 64 + 24 + 14 + 3
}

TEST(Sledai2k, NothingPresentIsZero) {
  EXPECT_EQ(sledai_2k({}), 0);
}

TEST(Sledai2k, TypicalActiveNephritisPatient) {
  // Proteinuria 4 + urinary casts 4 + low complement 2 + increased DNA binding 2 + rash 2 = 14.
  const SledaiItem present[] = {SledaiItem::kProteinuria, SledaiItem::kUrinaryCasts,
                                SledaiItem::kLowComplement, SledaiItem::kIncreasedDnaBinding,
                                SledaiItem::kRash};
  EXPECT_EQ(sledai_2k(present), 14);
}

TEST(Sledai2k, DuplicatesCountOnce) {
  // Arthritis 4 + fever 1 = 5, however often each is listed.
  const SledaiItem present[] = {SledaiItem::kArthritis, SledaiItem::kFever, SledaiItem::kArthritis,
                                SledaiItem::kArthritis, SledaiItem::kFever};
  EXPECT_EQ(sledai_2k(present), 5);
  std::vector<SledaiItem> all_twice;
  for (int pass = 0; pass < 2; ++pass)
    for (const Descriptor& d : descriptors()) all_twice.push_back(d.item);
  EXPECT_EQ(sledai_2k(all_twice), 105);
}

TEST(Sledai2k, ParsesEverySnakeCaseName) {
  for (const Descriptor& d : descriptors()) EXPECT_EQ(parse_sledai_item(d.name), d.item) << d.name;
}

TEST(Sledai2k, UnknownNameThrowsWithASuggestion) {
  try {
    parse_sledai_item("hematuria");  // US spelling; the descriptor is named haematuria
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_THAT(e.what(), HasSubstr("name = 'hematuria'"));
    EXPECT_THAT(e.what(), HasSubstr("did you mean 'haematuria'?"));
  }
  try {
    parse_sledai_item("OrganicBrainSyndrome");  // not snake_case, and too far from any name for a suggestion
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_THAT(e.what(), HasSubstr("name = 'OrganicBrainSyndrome'"));
    EXPECT_THAT(e.what(), ::testing::Not(HasSubstr("did you mean")));
  }
  EXPECT_THROW(parse_sledai_item(""), std::invalid_argument);
}

TEST(Sledai2k, ValuesOutsideTheEnumerationThrow) {
  const auto bogus = static_cast<SledaiItem>(24);
  EXPECT_THROW(sledai_2k_weight(bogus), std::invalid_argument);
  const SledaiItem present[] = {SledaiItem::kFever, bogus};
  try {
    sledai_2k(present);
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_THAT(e.what(), HasSubstr("sledai_2k: item = 24"));
  }
}

}  // namespace
}  // namespace tolsim::scores
