// The shipped immunology models (models/immune-core.yaml, models/ra.yaml, models/ra-msc.yaml): the properties
// issue 4 asks of them. Expected values come from outside the model: clinical definitions (DAS28 >= 0.96, HAQ-DI
// 0-3, joint counts 0-28, VAS 0-100, high disease activity DAS28 > 5.1), the score formulas of src/scores (tested
// against the published DAS28 worked example), exact conservation laws, and the direction of each drug's mechanism.
#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "support/shipped_model.hpp"
#include "tolsim/scores/das28.hpp"

namespace tolsim::testing {
namespace {

// Simulates a shipped model from day 0 to t_end with an output every `step` days.
// rtol: the solver's relative tolerance (0: the default, 1e-6).
ModelRun simulate_until(const std::string& model, const std::vector<std::string>& overrides, double t_end,
                        const std::vector<std::string>& doses = {}, double step = 7, double rtol = 0) {
  return simulate_model(model, overrides, time_grid(0, t_end, step), doses, rtol);
}

// An inflamed starting point for the immune core (densities of the order of the RA state).
const std::vector<std::string> kInflamedStart = {"Mem4=50", "Th1=20", "Th17=3", "CD8=3",  "M1=300",
                                                 "TNF=30",  "APC=5",  "DC=3",   "IFNg=20"};

TEST(ImmuneCore, HealthySetHasNoChronicInflammationFromAnyStart) {
  // The core alone carries the healthy autoantigen load. From a quiet start and from an inflamed one it must end in
  // the same quiet state: no chronic inflammation, whatever the history.
  // Ten years: memory CD4+ cells from the flare decay over years.
  const ModelRun quiet = simulate_until("models/immune-core.yaml", {}, 3650, {}, 365);
  std::vector<std::string> inflamed_start = kInflamedStart;
  const ModelRun flared = simulate_until("models/immune-core.yaml", inflamed_start, 3650, {}, 365);
  for (const ModelRun* run : {&quiet, &flared}) {
    EXPECT_LT(run->last("TNF"), 1.0);            // pg/mL: healthy tissue TNF-a is at most about 1 pg/mL
    EXPECT_LT(run->last("M1_fraction"), 0.1);    // resident macrophages are M2-like
    EXPECT_LT(run->last("Th17_Treg_ratio"), 1);  // regulatory cells outnumber Th17 cells
  }
  EXPECT_NEAR(flared.last("TNF"), quiet.last("TNF"), 0.05 * quiet.last("TNF"));
  EXPECT_NEAR(flared.last("Th1"), quiet.last("Th1"), 0.05 * quiet.last("Th1"));
}

TEST(RaModel, HasAStableInflamedState) {
  // The RA set settles in one inflamed state: the same from a quiet and from an inflamed start, not changing any
  // more (apart from damage, which only accumulates), with high disease activity.
  const ModelRun from_quiet = simulate_until("models/ra.yaml", {}, 1460, {}, 28);
  const ModelRun from_flare = simulate_until("models/ra.yaml", kInflamedStart, 1460, {}, 28);
  for (const char* name : {"TNF", "IL6", "Th1", "M1", "FLS", "CRP"}) {
    const double late = from_quiet.last(name), earlier = from_quiet.at_time(name, 1092);
    EXPECT_NEAR(late, earlier, 0.02 * late) << name << " still changing after 3 years";
    EXPECT_NEAR(from_flare.last(name), late, 0.02 * late) << name << " depends on the start";
  }
  EXPECT_GT(from_quiet.last("DAS28_CRP"), 5.1);  // high disease activity (das-score.nl)
  EXPECT_GT(from_quiet.last("CRP"), 10.0);       // mg/L: above the usual upper limit of normal
  EXPECT_GT(from_quiet.last("M1_fraction"), 0.5);
  // Damage accumulates and never decreases.
  const auto damage = from_quiet.result.column("Damage");
  for (std::size_t i = 1; i < damage.size(); ++i) EXPECT_GE(damage[i], damage[i - 1]);
  EXPECT_GT(damage.back(), 1.0);
}

TEST(RaModel, HealthySetOfTheRaModelStaysQuiet) {
  const ModelRun run = simulate_until("models/ra.yaml", {"Ag_RA=0.01"}, 1460, {}, 28);
  EXPECT_LT(run.last("CRP"), 5.0);  // mg/L: healthy CRP
  EXPECT_LT(run.last("SJC28"), 1.0);
  EXPECT_LT(run.last("pannus"), 0.1);
  EXPECT_LT(run.last("Damage"), 0.5);      // Sharp units in four years: no erosive disease
  EXPECT_GT(run.last("Fibrinogen"), 2.0);  // g/L: inside the normal range of plasma fibrinogen, 2-4 g/L
  EXPECT_LT(run.last("Fibrinogen"), 4.0);
}

TEST(RaModel, FlsMemoryFadesWithItsHalfLifeWithoutInflammation) {
  // The FLS inflammatory memory relaxes toward a Hill function of the cytokine drive with half-life
  // t_half_FLS_memory, set here to 140 days (the fitted value is calibration's, docs/calibration.md). In the healthy
  // set the drive is about 0.002 against K_FLS_memory 0.5, so its target is about 1e-5 and a memory of 1 decays as
  // exp(-ln 2 t / t1/2): 1/2 after one half-life and 1/4 after two (closed form).
  const ModelRun run =
      simulate_until("models/ra.yaml", {"Ag_RA=0.01", "FLS_memory=1", "t_half_FLS_memory=140"}, 280, {}, 140);
  EXPECT_NEAR(run.at_time("FLS_memory", 140), 0.5, 1e-3);
  EXPECT_NEAR(run.at_time("FLS_memory", 280), 0.25, 1e-3);
}

TEST(RaModel, FlsMemoryBuildsWithDiseaseAndFadesOnTreatment) {
  // Years of inflammation build the memory up; months of a drug that lowers the cytokine drive let it fade, so the
  // imprinted share of synoviocytes falls with it (docs/models/ra.md). Directions only: the sizes are fitted.
  const ModelRun untreated = simulate_until("models/ra.yaml", {}, 3818, {}, 2);
  const ModelRun treated =
      simulate_until("models/ra.yaml", {}, 3818,
                     {"target=rx.TCZ_c, amount=8 mg/kg, start=3650, every=28 d, count=6, duration=1 h"}, 2);
  EXPECT_GT(untreated.at_time("FLS_memory", 3650), untreated.at_time("FLS_memory", 364));
  EXPECT_LT(untreated.at_time("FLS_memory", 3650), 1.0);
  EXPECT_LT(treated.last("FLS_memory"), untreated.last("FLS_memory") - 0.1);
  EXPECT_LT(treated.last("FLS_imprinted_share"), untreated.last("FLS_imprinted_share"));
}

TEST(RaModel, FibromyalgiaAddsFixedAmountsToSubjectiveMeasuresNotInflammation) {
  // Concomitant fibromyalgia raises the self-reported parts of disease activity (tender joints, pain, patient
  // global, HAQ), not swelling (Duffield SJ et al. 2018, doi:10.1093/rheumatology/key112). In the model it adds
  // fixed amounts beside the RA-driven measures (models/ra.yaml: FM_TJC = 8 joints, FM_VAS = 25 mm, FM_HAQ = 0.58
  // from a cohort, doi:10.1007/s10067-021-06026-6), so the immune state, swelling and CRP of the same patient must
  // be exactly the same with and without it, and each subjective measure must be higher by exactly that amount
  // where its scale's ceiling does not cut it off.
  const ModelRun without = simulate_until("models/ra.yaml", {"fm_draw=0.9"}, 730, {}, 73);
  const ModelRun with = simulate_until("models/ra.yaml", {"fm_draw=0.1"}, 730, {}, 73);
  EXPECT_EQ(without.last("fibromyalgia"), 0.0);
  EXPECT_EQ(with.last("fibromyalgia"), 1.0);
  for (const char* name : {"SJC28", "CRP", "TNF", "FLS", "Damage", "TJC28_RA"})
    EXPECT_NEAR(with.last(name), without.last(name), 1e-9 * std::abs(without.last(name))) << name;
  EXPECT_NEAR(with.last("TJC28"), std::min(28.0, without.last("TJC28") + 8.0), 1e-9);
  EXPECT_NEAR(with.last("Pain"), std::min(100.0, without.last("Pain") + 25.0), 1e-9);
  EXPECT_NEAR(with.last("PtGA"), std::min(100.0, without.last("PtGA") + 25.0), 1e-9);
  EXPECT_NEAR(with.last("HAQ"), std::min(3.0, without.last("HAQ") + 0.58), 1e-9);
  EXPECT_GT(with.last("DAS28_ESR"), without.last("DAS28_ESR"));
}

// Checks every clinical measure of a run against its valid range, at every output time.
void expect_scores_in_range(const ModelRun& run, const std::string& label) {
  const auto& r = run.result;
  for (double v : r.column("DAS28_CRP")) EXPECT_GE(v, 0.96) << label;
  for (double v : r.column("HAQ")) {
    EXPECT_GE(v, 0.0) << label;
    EXPECT_LE(v, 3.0) << label;
  }
  for (const char* count : {"TJC28", "SJC28"})
    for (double v : r.column(count)) {
      EXPECT_GE(v, 0.0) << label << " " << count;
      EXPECT_LE(v, 28.0) << label << " " << count;
    }
  for (const char* vas : {"Pain", "PtGA", "PhGA"})
    for (double v : r.column(vas)) {
      EXPECT_GE(v, 0.0) << label << " " << vas;
      EXPECT_LE(v, 100.0) << label << " " << vas;
    }
}

TEST(RaModel, ScoresStayInTheirValidRangesAndMatchTheScoreLibrary) {
  // Extremes of disease activity: a very high autoantigen load with aggressive synovitis and strong central pain,
  // the typical patient, and a healthy set.
  const ModelRun severe =
      simulate_until("models/ra.yaml", {"Ag_RA=20", "FLS_gain=300", "central_pain=3"}, 730);
  const ModelRun typical = simulate_until("models/ra.yaml", {}, 730);
  const ModelRun healthy = simulate_until("models/ra.yaml", {"Ag_RA=0.001", "central_pain=0"}, 730);
  expect_scores_in_range(severe, "severe");
  expect_scores_in_range(typical, "typical");
  expect_scores_in_range(healthy, "healthy");
  // The model's DAS28 observables are the published formulas, as implemented (and tested against the das-score.nl
  // worked example) in src/scores.
  for (const ModelRun* run : {&severe, &typical, &healthy}) {
    const double tjc = run->last("TJC28"), sjc = run->last("SJC28"), gh = run->last("PtGA");
    const double crp = run->last("CRP"), esr = run->last("ESR");
    EXPECT_NEAR(run->last("DAS28_CRP"), scores::das28_crp4(tjc, sjc, crp, gh), 1e-9);
    EXPECT_NEAR(run->last("DAS28_ESR"), scores::das28_esr4(tjc, sjc, esr, gh), 1e-9);
  }
}

// Each comparator drug, started after a year of untreated disease, moves its own target in the direction of its
// mechanism (models/therapies.yaml), measured 24 weeks later against the untreated course of the same patient.
struct Treated {
  ModelRun untreated, treated;
  double change(const std::string& name) const {
    return treated.at_time(name, 533) / untreated.at_time(name, 533) - 1;  // relative to no treatment
  }
};

// A test that a dose leaves an output unchanged needs an rtol tighter than the default, since the dose restarts
// the integrator and the two runs then differ by a few rtol.
Treated treat(const std::string& dose, const std::vector<std::string>& overrides = {}, double rtol = 0) {
  return {simulate_until("models/ra.yaml", overrides, 533, {}, 1, rtol),
          simulate_until("models/ra.yaml", overrides, 533, {dose}, 1, rtol)};
}

TEST(RaModel, TreatingTheArthritisLowersTenderJointsByAsManyWithFibromyalgia) {
  // Because fibromyalgia's tender joints sit beside the RA-driven count rather than inside its saturating function,
  // a drug lowers the count of a patient with fibromyalgia by as many joints as in the same patient without it, as
  // long as the 28-joint ceiling does not bind. In the ESPOIR cohort, patients with fibromyalgic RA improved by a
  // similar amount and stayed higher (Duran J et al. 2015, Rheumatology 54:2166, PMID 26175470). A low tender-joint
  // threshold (K_pain_TJC = 3) keeps the count of the patient with fibromyalgia below the ceiling before treatment.
  const std::string dose = "target=rx.TCZ_c, amount=8 mg/kg, start=365, every=28 d, count=6, duration=1 h";
  const Treated with = treat(dose, {"fm_draw=0.1", "K_pain_TJC=3"});
  const Treated without = treat(dose, {"fm_draw=0.9", "K_pain_TJC=3"});
  ASSERT_LT(with.untreated.at_time("TJC28", 533), 28.0);
  const auto fall = [](const Treated& t, const char* name) {
    return t.untreated.at_time(name, 533) - t.treated.at_time(name, 533);
  };
  EXPECT_GT(fall(without, "TJC28"), 1.0);
  EXPECT_NEAR(fall(with, "TJC28"), fall(without, "TJC28"), 1e-9);
  EXPECT_NEAR(fall(with, "HAQ"), fall(without, "HAQ"), 1e-9);
}

TEST(RaTherapies, MethotrexateInhibitsTCellsAndLowersActivity) {
  const Treated t = treat("target=rx.MTX_gut, amount=15 mg, start=365, every=7 d, count=24");
  EXPECT_GT(t.treated.at_time("rx.mtx_effect", 533), 0.0);
  EXPECT_LT(t.change("Th1"), -0.2);
  EXPECT_LT(t.change("DAS28_CRP"), 0.0);
}

TEST(RaTherapies, AdalimumabNeutralisesTnf) {
  const Treated t = treat("target=rx.ADA_sc, amount=40 mg, start=365, every=14 d, count=12");
  EXPECT_LT(t.treated.at_time("rx.TNF_free_fraction", 533), 0.5);
  EXPECT_LT(t.change("s_TNF"), -0.5);  // the TNF signal, not the total TNF the assay sees
  EXPECT_LT(t.change("CRP"), 0.0);
  EXPECT_LT(t.change("DAS28_CRP"), 0.0);
}

// Share of a fall of DAS28-CRP that comes from its CRP term, 0.36 ln(CRP + 1) (docs/scores.md).
double crp_share_of_das28_fall(const Treated& t) {
  const auto crp_term = [](double crp) { return 0.36 * std::log(crp + 1.0); };
  const double fall = t.untreated.at_time("DAS28_CRP", 533) - t.treated.at_time("DAS28_CRP", 533);
  return (crp_term(t.untreated.at_time("CRP", 533)) - crp_term(t.treated.at_time("CRP", 533))) / fall;
}

TEST(RaTherapies, TocilizumabLowersCrpFarMoreThanJointSwelling) {
  // IL-6 receptor blockade shuts down hepatic CRP synthesis directly, so CRP falls much more than synovitis: a
  // CRP-based score overstates the clinical response (shared/science/ra.md). In trials, most tocilizumab patients in
  // DAS28 remission were not in remission by the indices without an acute-phase term (Smolen JS & Aletaha D 2011,
  // Arthritis Rheum 63:43, PMID 21204103). Swelling falls too (IL-6 drives monocyte recruitment and synovial
  // fibroblasts), but by clearly less than CRP, and more of the DAS28-CRP fall comes from its CRP term than on
  // adalimumab, which lowers CRP only by calming the inflammation. Only the direction of the last comparison is
  // asserted: its size depends on how completely adalimumab neutralises TNF-a in the typical patient, which is a
  // fitted, contested parameter (shift_ADA; docs/calibration.md, ninth evaluation).
  const Treated t = treat("target=rx.TCZ_c, amount=8 mg/kg, start=365, every=28 d, count=6, duration=1 h");
  const Treated ada = treat("target=rx.ADA_sc, amount=40 mg, start=365, every=14 d, count=12");
  EXPECT_LT(t.change("CRP"), -0.8);
  EXPECT_LT(t.change("CRP"), t.change("SJC28") - 0.2);
  EXPECT_GT(crp_share_of_das28_fall(t), crp_share_of_das28_fall(ada));
}

TEST(RaTherapies, TocilizumabLowersFibrinogenAndEsrBelowNormal) {
  // IL-6 receptor blockade stops the IL-6-dependent part of basal fibrinogen synthesis too, so fibrinogen ends
  // below the middle of its normal range (2-4 g/L): median 1.5 g/L in RA and giant-cell arteritis on tocilizumab
  // (Yildirim 2024, doi:10.1007/s00296-024-05714-1). ESR then falls below the patient's own ESR at normal
  // fibrinogen (ESR_0), which is what lets DAS28-ESR reach remission on tocilizumab.
  const Treated t = treat("target=rx.TCZ_c, amount=8 mg/kg, start=365, every=28 d, count=6, duration=1 h");
  EXPECT_GT(t.untreated.at_time("Fibrinogen", 533), 3.0);  // active RA: raised
  EXPECT_LT(t.treated.at_time("Fibrinogen", 533), 2.5);
  EXPECT_LT(t.treated.at_time("ESR", 533), 14.0);  // ESR_0 of the typical patient, mm/h
}

TEST(RaTherapies, GlucocorticoidSuppressesCytokinesWithinDays) {
  const Treated t = treat("target=rx.GC_gut, amount=10 mg, start=365, every=1 d, count=168");
  const double before = t.treated.at_time("TNF", 364), week = t.treated.at_time("TNF", 372);
  EXPECT_LT(week, 0.8 * before);  // fast onset
  EXPECT_LT(t.change("IL6"), 0.0);
  EXPECT_GT(t.treated.at_time("infection_risk", 533), 1.0);  // broad immunosuppression has a cost
}

TEST(RaTherapies, PlaceboActsOnSubjectiveMeasuresOnly) {
  // The location of the expectation effect is fitted and came out as 0 in the fifth evaluation (patients draw a
  // half-normal around it, docs/calibration.md); the mechanism is tested at a patient's value of 0.1.
  const Treated t = treat("target=rx.Placebo, amount=1 item, start=365", {"rx.Emax_placebo=0.1"}, 1e-10);
  EXPECT_LT(t.change("Pain"), -0.01);
  EXPECT_LT(t.change("PtGA"), -0.01);
  EXPECT_NEAR(t.change("CRP"), 0.0, 1e-6);
  EXPECT_NEAR(t.change("SJC28"), 0.0, 1e-6);
  EXPECT_NEAR(t.treated.at_time("infection_risk", 533), 1.0, 1e-12);
}

TEST(RaTherapies, TrialContextLowersThePhysicianGlobalByItsFraction) {
  // With the patient's expectation effect at 0, nothing the physician examines changes, so the physician global
  // must fall by exactly E_PhGA_context (0.35, derived from the RADIATE and OPTION placebo arms) times the context
  // switch: the ratio treated/untreated is 1 - 0.35 * placebo_state (closed form). After 168 days at
  // k_placebo = ln 2 / 7 d the switch is 1 - 2^-24, so the fall is 35%.
  const Treated t = treat("target=rx.Placebo, amount=1 item, start=365", {"rx.Emax_placebo=0"}, 1e-10);
  const double state = t.treated.at_time("rx.placebo_state", 533);
  EXPECT_NEAR(state, 1.0, 1e-6);
  EXPECT_NEAR(t.treated.at_time("PhGA", 533) / t.untreated.at_time("PhGA", 533), 1.0 - 0.35 * state, 1e-6);
  for (const char* name : {"TJC28", "SJC28", "Pain", "PtGA", "CRP"})
    EXPECT_NEAR(t.change(name), 0.0, 1e-6) << name;
}

}  // namespace
}  // namespace tolsim::testing
