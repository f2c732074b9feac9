// The states and parameters of models/ra-msc.yaml as written by hand for bench/ra_msc_hand.hpp: the flattened
// model's state vector, in the order tolsim lays it out (checked by name by bench/peers/check_ra_msc_hand.cpp), and
// every parameter its right-hand side reads, by the name a parameter table gives it. Plain C++, nothing from tolsim.
//
// Names are those of the composed model: models/ra.yaml and the immune core (models/immune-core.yaml) unprefixed,
// models/therapies.yaml as `rx.`, models/msc.yaml as `msc.`, and the four plasma parameters of models/ra-msc.yaml.
// Quantities keep the units their files declare (cells/uL, pg/mL, mg, cells, days...): the model files convert no
// units inside equations, only doses and times at the edges (docs/model-format.md, "Units").
#pragma once

#include <array>
#include <limits>
#include <string_view>

namespace ra_msc_hand {

// The state vector y. Species that reactions change are integrated as amounts (concentration x compartment size,
// e.g. cells/uL x mL), as SBML and tolsim do; species and parameters with rate rules as their own values. Drugs
// and MSCs are amounts (mg, cells) throughout, and the three therapy effect compartments are concentrations.
// clang-format off
enum State : int {
  // immune core, tissue (50 mL): cells/uL and pg/mL, stored as amounts
  kAPC, kM1, kM2, kTh1, kTh17, kTreg, kCD8, kNK, kTNF, kIL6, kIL1b, kIFNg, kIL17, kIL10, kTGFb, kIL2,
  // immune core, lymph node (100 mL), stored as amounts
  kDC, kN4, kN8, kMem4, kBn, kBact, kPCs, kPCl,
  // immune core, blood (5000 mL), stored as amounts
  kTh1_b, kTh17_b, kTreg_b, kCD8_b, kRF, kACPA,
  // therapies (rx.): amounts in mg, except the two polyglutamate pools and GC_e (ng/mL, rate rules) and Placebo
  kMTX_gut, kMTX_sc, kMTX_c, kMTX_PG_short, kMTX_PG_long, kADA_sc, kADA_c, kTCZ_c, kTCZ_p, kTCZ_sc,
  kGC_gut, kGC_c, kGC_e, kPlacebo,
  // RA: FLS (tissue) and CRP, fibrinogen, globulin (blood) as amounts; Damage and CRP_burden are amounts already
  kFLS, kDamage, kCRP, kFibrinogen, kGlobulin, kCRP_burden,
  // MSC (msc.): cells, and Allo_R (dimensionless)
  kMSC_blood, kMSC_lung, kMSC_liver, kMSC_spleen, kMSC_other, kApo_lung, kApo_liver, kApo_spleen,
  kApo_other, kLab_lung, kLab_liver, kLab_spleen, kLab_other, kLodged_cum, kCleared_cum, kMSC_lic,
  kMSC_hla2, kEffero, kKyn, kPGE2, kMscTGFb, kTSG6, kHLAG5, kAllo_Ag, kAllo_R,
  // parameters with rate rules
  kGC_dose_avg, kPlacebo_state, kFLS_memory, kStates
};
// The first kSpecies states are the model's species, the columns of the output.
constexpr int kSpecies = kGC_dose_avg;

constexpr std::array<std::string_view, kStates> kStateNames = {
    "APC", "M1", "M2", "Th1", "Th17", "Treg", "CD8", "NK", "TNF", "IL6", "IL1b", "IFNg", "IL17", "IL10", "TGFb",
    "IL2", "DC", "N4", "N8", "Mem4", "Bn", "Bact", "PCs", "PCl", "Th1_b", "Th17_b", "Treg_b", "CD8_b", "RF",
    "ACPA", "rx.MTX_gut", "rx.MTX_sc", "rx.MTX_c", "rx.MTX_PG_short", "rx.MTX_PG_long", "rx.ADA_sc", "rx.ADA_c",
    "rx.TCZ_c", "rx.TCZ_p", "rx.TCZ_sc", "rx.GC_gut", "rx.GC_c", "rx.GC_e", "rx.Placebo", "FLS", "Damage", "CRP",
    "Fibrinogen", "Globulin", "CRP_burden", "msc.MSC_blood", "msc.MSC_lung", "msc.MSC_liver", "msc.MSC_spleen",
    "msc.MSC_other", "msc.Apo_lung", "msc.Apo_liver", "msc.Apo_spleen", "msc.Apo_other", "msc.Lab_lung",
    "msc.Lab_liver", "msc.Lab_spleen", "msc.Lab_other", "msc.Lodged_cum", "msc.Cleared_cum", "msc.MSC_lic",
    "msc.MSC_hla2", "msc.Effero", "msc.Kyn", "msc.PGE2", "msc.TGFb", "msc.TSG6", "msc.HLAG5", "msc.Allo_Ag",
    "msc.Allo_R", "rx.GC_dose_avg", "rx.placebo_state", "FLS_memory"};
// clang-format on

// Every parameter the equations read: X(member, "name in the model"). A parameter table must give them all; its
// other columns (parameters of observables only, such as the clinical scores) are not used here.
// clang-format off
#define RA_MSC_HAND_PARAMETERS(X)                                                                                  \
  /* compartments of the immune core (mL) */                                                                       \
  X(tissue, "tissue") X(lymph, "lymph") X(blood, "blood")                                                          \
  /* immune core */                                                                                                \
  X(APC_max, "APC_max") X(k_APC, "k_APC") X(a_APC0, "a_APC0") X(k_mig, "k_mig") X(d_APC, "d_APC")                 \
  X(d_DC, "d_DC") X(c_0, "c_0") X(K_DC, "K_DC") X(s_N4, "s_N4") X(d_N4, "d_N4") X(k_prime, "k_prime")             \
  X(burst, "burst") X(k_mreact, "k_mreact") X(burst_mem, "burst_mem") X(d_mem, "d_mem") X(k_mem, "k_mem")         \
  X(b_Th1, "b_Th1") X(b_Th17, "b_Th17") X(b_iTreg, "b_iTreg") X(k_home, "k_home")                                 \
  X(a_IL6_chemokine, "a_IL6_chemokine") X(a_cascade, "a_cascade") X(h0, "h0") X(d_blood, "d_blood")               \
  X(s_nTreg, "s_nTreg") X(k_prolif, "k_prolif") X(d_eff, "d_eff") X(K_APC, "K_APC") X(K_supp, "K_supp")           \
  X(k_Treg_prolif, "k_Treg_prolif") X(d_Treg, "d_Treg") X(k_conv, "k_conv") X(k_destab, "k_destab")               \
  X(s_N8, "s_N8") X(d_N8, "d_N8") X(k_prime8, "k_prime8") X(NK_blood, "NK_blood") X(k_NK_home, "k_NK_home")       \
  X(d_NK, "d_NK") X(s_Bn, "s_Bn") X(d_Bn, "d_Bn") X(k_Bact, "k_Bact") X(k_Bprolif, "k_Bprolif")                   \
  X(d_Bact, "d_Bact") X(k_PC, "k_PC") X(f_PCl, "f_PCl") X(d_PCs, "d_PCs") X(d_PCl, "d_PCl") X(K_help, "K_help")   \
  X(p_RF, "p_RF") X(k_RF, "k_RF") X(p_ACPA, "p_ACPA") X(k_ACPA, "k_ACPA") X(RF_base, "RF_base")                   \
  X(ACPA_base, "ACPA_base") X(Mono, "Mono") X(k_recruit, "k_recruit") X(s_M2, "s_M2") X(d_mac, "d_mac")           \
  X(k_12, "k_12") X(k_21, "k_21") X(m1_0, "m1_0") X(p_TNF_M1, "p_TNF_M1") X(p_TNF_T, "p_TNF_T")                   \
  X(p_IL6_M1, "p_IL6_M1") X(p_IL6_0, "p_IL6_0") X(p_IL1_M1, "p_IL1_M1") X(p_IFN_T, "p_IFN_T")                     \
  X(p_IFN_NK, "p_IFN_NK") X(p_IL17, "p_IL17") X(p_IL10_M2, "p_IL10_M2") X(p_IL10_Treg, "p_IL10_Treg")             \
  X(p_TGF_M2, "p_TGF_M2") X(p_TGF_Treg, "p_TGF_Treg") X(p_TGF_0, "p_TGF_0") X(p_IL2, "p_IL2")                     \
  X(k_IL2_use, "k_IL2_use") X(k_TNF, "k_TNF") X(k_IL6, "k_IL6") X(k_IL1, "k_IL1") X(k_IFN, "k_IFN")               \
  X(k_IL17, "k_IL17") X(k_IL10, "k_IL10") X(k_TGF, "k_TGF") X(k_IL2, "k_IL2") X(K_TNF, "K_TNF")                   \
  X(K_IL6, "K_IL6") X(K_IL1, "K_IL1") X(K_IFN, "K_IFN") X(K_IL17, "K_IL17") X(K_IL10, "K_IL10")                   \
  X(K_TGF, "K_TGF") X(K_IL2, "K_IL2")                                                                              \
  /* therapies */                                                                                                  \
  X(rx_Vmax_MTX_abs, "rx.Vmax_MTX_abs") X(rx_Km_MTX_abs, "rx.Km_MTX_abs")                                          \
  X(rx_k_MTX_transit, "rx.k_MTX_transit") X(rx_ka_MTX_sc, "rx.ka_MTX_sc") X(rx_V_MTX, "rx.V_MTX")                 \
  X(rx_CL_MTX, "rx.CL_MTX") X(rx_k_MTX_PG, "rx.k_MTX_PG") X(rx_Emax_MTX, "rx.Emax_MTX")                           \
  X(rx_EC50_MTX, "rx.EC50_MTX") X(rx_F_ADA, "rx.F_ADA") X(rx_ka_ADA, "rx.ka_ADA") X(rx_V_ADA, "rx.V_ADA")         \
  X(rx_CL_ADA, "rx.CL_ADA") X(rx_Imax_MTX_ADA, "rx.Imax_MTX_ADA") X(rx_EC50_MTX_ADA, "rx.EC50_MTX_ADA")           \
  X(rx_Kd_ADA, "rx.Kd_ADA") X(rx_shift_ADA, "rx.shift_ADA") X(rx_f_tissue_mAb, "rx.f_tissue_mAb")                 \
  X(rx_V1_TCZ, "rx.V1_TCZ") X(rx_V2_TCZ, "rx.V2_TCZ") X(rx_Q_TCZ, "rx.Q_TCZ") X(rx_CL_TCZ, "rx.CL_TCZ")           \
  X(rx_wt_exp_CL_TCZ, "rx.wt_exp_CL_TCZ") X(rx_Vmax_TCZ, "rx.Vmax_TCZ") X(rx_Km_TCZ, "rx.Km_TCZ")                 \
  X(rx_F_TCZ_sc, "rx.F_TCZ_sc") X(rx_ka_TCZ_sc, "rx.ka_TCZ_sc") X(rx_Kd_TCZ, "rx.Kd_TCZ")                         \
  X(rx_shift_TCZ, "rx.shift_TCZ") X(rx_F_GC, "rx.F_GC") X(rx_ka_GC, "rx.ka_GC") X(rx_V_GC_kg, "rx.V_GC_kg")       \
  X(rx_CL_GC_kg, "rx.CL_GC_kg") X(rx_ke0_GC, "rx.ke0_GC") X(rx_IC50_GC, "rx.IC50_GC") X(rx_Emax_GC, "rx.Emax_GC") \
  X(rx_tau_GC_avg, "rx.tau_GC_avg") X(rx_k_placebo, "rx.k_placebo") X(body_weight, "body_weight")                  \
  /* rheumatoid arthritis */                                                                                       \
  X(Ag_RA, "Ag_RA") X(FLS_rest, "FLS_rest") X(FLS_gain, "FLS_gain") X(k_FLS, "k_FLS")                             \
  X(t_half_FLS_memory, "t_half_FLS_memory") X(K_FLS_memory, "K_FLS_memory") X(FLS_autonomy, "FLS_autonomy")       \
  X(K_FLS_act, "K_FLS_act") X(a_IL6_FLS, "a_IL6_FLS") X(p_IL6_FLS, "p_IL6_FLS") X(k_damage, "k_damage")           \
  X(K_pannus_damage, "K_pannus_damage") X(K_damage_ag, "K_damage_ag") X(ag_damage_max, "ag_damage_max")           \
  X(f_IL6_spill, "f_IL6_spill") X(IL6_plasma_0, "IL6_plasma_0") X(f_TNF_spill, "f_TNF_spill")                     \
  X(TNF_plasma_0, "TNF_plasma_0") X(k_CRP, "k_CRP") X(CRP_0, "CRP_0") X(CRP_max, "CRP_max")                       \
  X(EC50_IL6_CRP, "EC50_IL6_CRP") X(k_Fib, "k_Fib") X(Fib_0, "Fib_0") X(Fib_basal, "Fib_basal")                   \
  X(EC50_IL6_Fib_basal, "EC50_IL6_Fib_basal") X(Fib_gain, "Fib_gain") X(k_Glob, "k_Glob") X(Glob_0, "Glob_0")     \
  X(Glob_gain, "Glob_gain") X(w_MTX_T, "w_MTX_T") X(w_MTX_cyt, "w_MTX_cyt") X(w_GC_T, "w_GC_T")                   \
  /* ra-msc.yaml: plasma cytokines seen by the MSCs */                                                             \
  X(f_IFNg_spill, "f_IFNg_spill") X(IFNg_plasma_0, "IFNg_plasma_0") X(f_IL1b_spill, "f_IL1b_spill")               \
  X(IL1b_plasma_0, "IL1b_plasma_0")                                                                                \
  /* MSC */                                                                                                        \
  X(msc_cell_source, "msc.cell_source") X(msc_prelicensed, "msc.prelicensed") X(msc_allogeneic, "msc.allogeneic") \
  X(msc_use_IDO, "msc.use_IDO") X(msc_use_PGE2, "msc.use_PGE2") X(msc_use_TGFb, "msc.use_TGFb")                   \
  X(msc_use_TSG6, "msc.use_TSG6") X(msc_use_HLAG5, "msc.use_HLAG5") X(msc_use_contact, "msc.use_contact")         \
  X(msc_use_efferocytosis, "msc.use_efferocytosis") X(msc_use_Treg_induction, "msc.use_Treg_induction")           \
  X(msc_use_M2_shift, "msc.use_M2_shift") X(msc_k_lodge, "msc.k_lodge") X(msc_f_lung, "msc.f_lung")               \
  X(msc_f_liver, "msc.f_liver") X(msc_f_spleen, "msc.f_spleen") X(msc_k_apo, "msc.k_apo")                         \
  X(msc_k_eng, "msc.k_eng") X(msc_k_mig_lung, "msc.k_mig_lung") X(msc_k_mig_other, "msc.k_mig_other")             \
  X(msc_s_spleen, "msc.s_spleen") X(msc_k_mem, "msc.k_mem") X(msc_EC50_IFNg, "msc.EC50_IFNg")                     \
  X(msc_EC50_TNF, "msc.EC50_TNF") X(msc_EC50_IL1b, "msc.EC50_IL1b") X(msc_w_IFNg_alone, "msc.w_IFNg_alone")       \
  X(msc_k_lic, "msc.k_lic") X(msc_k_delic, "msc.k_delic") X(msc_n_hill, "msc.n_hill") X(msc_u_IDO, "msc.u_IDO")   \
  X(msc_u_PGE2, "msc.u_PGE2") X(msc_u_TGFb, "msc.u_TGFb") X(msc_u_TSG6, "msc.u_TSG6")                             \
  X(msc_u_HLAG5, "msc.u_HLAG5") X(msc_u_contact, "msc.u_contact") X(msc_hla2_basal, "msc.hla2_basal")             \
  X(msc_hla2_primed, "msc.hla2_primed") X(msc_k_hla, "msc.k_hla") X(msc_k_hla_off, "msc.k_hla_off")               \
  X(msc_w_hla2, "msc.w_hla2") X(msc_k_ag, "msc.k_ag") X(msc_K_ag, "msc.K_ag") X(msc_k_R_on, "msc.k_R_on")         \
  X(msc_k_R_off, "msc.k_R_off") X(msc_allo_fold, "msc.allo_fold") X(msc_kdeg_Kyn, "msc.kdeg_Kyn")                 \
  X(msc_kdeg_PGE2, "msc.kdeg_PGE2") X(msc_kdeg_TGFb, "msc.kdeg_TGFb") X(msc_kdeg_TSG6, "msc.kdeg_TSG6")           \
  X(msc_kdeg_HLAG5, "msc.kdeg_HLAG5") X(msc_N_local, "msc.N_local") X(msc_r50_IDO, "msc.r50_IDO")                  \
  X(msc_r50_PGE2, "msc.r50_PGE2") X(msc_r50_TGFb, "msc.r50_TGFb") X(msc_r50_TSG6, "msc.r50_TSG6")                 \
  X(msc_r50_HLAG5, "msc.r50_HLAG5") X(msc_r50_contact, "msc.r50_contact") X(msc_K_effero, "msc.K_effero")         \
  X(msc_Imax_T, "msc.Imax_T") X(msc_Imax_B, "msc.Imax_B") X(msc_Imax_NK, "msc.Imax_NK")                           \
  X(msc_Imax_cyt, "msc.Imax_cyt") X(msc_Bmax_Treg, "msc.Bmax_Treg") X(msc_k_M2max, "msc.k_M2max")                 \
  /* MSC product parameters, one per cell source: umbilical cord, cord blood, bone marrow, adipose tissue */       \
  X(msc_pot_IDO_UC, "msc.pot_IDO_UC") X(msc_pot_IDO_CB, "msc.pot_IDO_CB")                                          \
  X(msc_pot_IDO_BM, "msc.pot_IDO_BM") X(msc_pot_IDO_AT, "msc.pot_IDO_AT")                                          \
  X(msc_pot_PGE2_UC, "msc.pot_PGE2_UC") X(msc_pot_PGE2_CB, "msc.pot_PGE2_CB")                                      \
  X(msc_pot_PGE2_BM, "msc.pot_PGE2_BM") X(msc_pot_PGE2_AT, "msc.pot_PGE2_AT")                                      \
  X(msc_pot_TGFb_UC, "msc.pot_TGFb_UC") X(msc_pot_TGFb_CB, "msc.pot_TGFb_CB")                                      \
  X(msc_pot_TGFb_BM, "msc.pot_TGFb_BM") X(msc_pot_TGFb_AT, "msc.pot_TGFb_AT")                                      \
  X(msc_pot_TSG6_UC, "msc.pot_TSG6_UC") X(msc_pot_TSG6_CB, "msc.pot_TSG6_CB")                                      \
  X(msc_pot_TSG6_BM, "msc.pot_TSG6_BM") X(msc_pot_TSG6_AT, "msc.pot_TSG6_AT")                                      \
  X(msc_pot_HLAG5_UC, "msc.pot_HLAG5_UC") X(msc_pot_HLAG5_CB, "msc.pot_HLAG5_CB")                                  \
  X(msc_pot_HLAG5_BM, "msc.pot_HLAG5_BM") X(msc_pot_HLAG5_AT, "msc.pot_HLAG5_AT")                                  \
  X(msc_pot_contact_UC, "msc.pot_contact_UC") X(msc_pot_contact_CB, "msc.pot_contact_CB")                          \
  X(msc_pot_contact_BM, "msc.pot_contact_BM") X(msc_pot_contact_AT, "msc.pot_contact_AT")                          \
  X(msc_lic_sens_UC, "msc.lic_sens_UC") X(msc_lic_sens_CB, "msc.lic_sens_CB")                                      \
  X(msc_lic_sens_BM, "msc.lic_sens_BM") X(msc_lic_sens_AT, "msc.lic_sens_AT")                                      \
  X(msc_unlic_mult_UC, "msc.unlic_mult_UC") X(msc_unlic_mult_CB, "msc.unlic_mult_CB")                              \
  X(msc_unlic_mult_BM, "msc.unlic_mult_BM") X(msc_unlic_mult_AT, "msc.unlic_mult_AT")                              \
  X(msc_hla2_ind_UC, "msc.hla2_ind_UC") X(msc_hla2_ind_CB, "msc.hla2_ind_CB")                                      \
  X(msc_hla2_ind_BM, "msc.hla2_ind_BM") X(msc_hla2_ind_AT, "msc.hla2_ind_AT")                                      \
  X(msc_lung_trap_UC, "msc.lung_trap_UC") X(msc_lung_trap_CB, "msc.lung_trap_CB")                                  \
  X(msc_lung_trap_BM, "msc.lung_trap_BM") X(msc_lung_trap_AT, "msc.lung_trap_AT")                                  \
  X(msc_B_mult_UC, "msc.B_mult_UC") X(msc_B_mult_CB, "msc.B_mult_CB")                                              \
  X(msc_B_mult_BM, "msc.B_mult_BM") X(msc_B_mult_AT, "msc.B_mult_AT")
// clang-format on

// The parameters by member, NaN until a table gives them, and constants derived from them once per patient
// (derive() in ra_msc_hand.hpp): what a hand-written model computes once instead of at every evaluation.
struct Parameters {
#define RA_MSC_HAND_DECLARE(member, name) double member = std::numeric_limits<double>::quiet_NaN();
  RA_MSC_HAND_PARAMETERS(RA_MSC_HAND_DECLARE)
#undef RA_MSC_HAND_DECLARE

  // ---- derived by derive()
  double inv_tissue = 0, inv_lymph = 0, inv_blood = 0;
  double lymph_per_blood = 0;  // lymph / blood, the volume ratio of the CD4+ output into blood
  // therapies
  double mtx_conc_per_mg = 0;  // 1000 [ug/mg] / V_MTX: ng/mL of plasma MTX per mg
  double ada_block = 0;        // f_tissue_mAb / (V_ADA shift_ADA Kd_ADA): TNF blocking per mg of ADA_c
  double tcz_block = 0;        // f_tissue_mAb / (V1_TCZ shift_TCZ Kd_TCZ)
  double tcz_linear = 0;       // CL_TCZ (body_weight / 70 kg)^wt_exp_CL_TCZ / V1_TCZ, per day
  double gc_elimination = 0;   // CL_GC_kg body_weight / (V_GC_kg body_weight), per day
  double gc_conc_per_mg = 0;   // 1000 [ug/mg] / (V_GC_kg body_weight)
  // RA
  double imprint_per_memory = 0;  // FLS_autonomy Ag_RA^2 / (Ag_RA^2 + 0.05^2)
  double fls_memory_rate = 0;     // ln 2 / t_half_FLS_memory
  double K_FLS_memory_sq = 0, K_pannus_damage_cube = 0;
  // MSC: the product in use (selected by cell_source) and what follows from it
  double pot_IDO = 0, pot_PGE2 = 0, pot_TGFb = 0, pot_TSG6 = 0, pot_HLAG5 = 0, pot_contact = 0;
  double lic_sens = 0, unlic_mult = 0, hla2_ind = 0, lung_trap = 0, B_mult = 0;
  double f_lung_eff = 0, f_liver_eff = 0, f_spleen_eff = 0, f_other_eff = 0;
  // use_X pot_X and min(1, u_X unlic_mult) of each mediator, and its half-effect level r50_X N_local
  double prod_IDO = 0, prod_PGE2 = 0, prod_TGFb = 0, prod_TSG6 = 0, prod_HLAG5 = 0, prod_contact = 0;
  double unlic_IDO = 0, unlic_PGE2 = 0, unlic_TGFb = 0, unlic_TSG6 = 0, unlic_HLAG5 = 0, unlic_contact = 0;
  double K_IDO = 0, K_PGE2 = 0, K_TGFb = 0, K_TSG6 = 0, K_HLAG5 = 0, K_contact = 0;
  double Bmax_Treg_eff = 0, B_max = 0, M2max = 0;           // the outputs' maxima with their switches
  double hla2_at_lodging = 0;                               // HLA class II+ share of newly lodged cells
  double EC50_IFNg_n = 0, EC50_TNF_n = 0, EC50_IL1b_n = 0;  // EC50^n_hill
};

struct NamedParameter {
  std::string_view name;
  double Parameters::*member;
};

constexpr auto kParameterTable = std::to_array<NamedParameter>({
#define RA_MSC_HAND_ENTRY(member, name) {name, &Parameters::member},
    RA_MSC_HAND_PARAMETERS(RA_MSC_HAND_ENTRY)
#undef RA_MSC_HAND_ENTRY
});

}  // namespace ra_msc_hand
