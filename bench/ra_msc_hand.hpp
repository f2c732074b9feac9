// models/ra-msc.yaml written by hand in C++: the flattened rheumatoid-arthritis + MSC model's right-hand side
// (here) and its analytic sparse Jacobian (ra_msc_hand_jacobian.hpp), transcribed from the YAML files
// (models/immune-core.yaml, models/ra.yaml, models/therapies.yaml as rx., models/msc.yaml as msc., and
// models/ra-msc.yaml) and differentiated by hand. It is the ceiling of bench/peers/run.sh --model ra-msc
// (bench/peers/handwritten_ra_msc.cpp), and bench/peers/check_ra_msc_hand.cpp checks it against tolsim's compiled
// kernels. Nothing here comes from tolsim.
//
// What a careful hand-written model does and a generated one need not: constants that depend on parameters alone
// (inverse volumes, the MSC product selected by cell_source, first-pass fractions, drug volume factors) are
// computed once per patient by derive(), and every intermediate signal once per evaluation (compute_signals()).
//
// Semantics transcribed (docs/model-format.md):
// - A reaction's rate is an amount per day; a species in a concentration unit that reactions change is integrated
//   as its amount (concentration x compartment size: tissue 50 mL, lymph 100 mL, blood 5000 mL), and its
//   equations use amount / size. Species and parameters under rate rules are integrated as their own values.
// - Module inputs are replaced by what the including file connects them to (ra.yaml: the core's therapy inputs are
//   the Bliss combinations of drugs and MSC outputs; ra-msc.yaml: the MSC outputs and the plasma cytokines).
// - Every min() and max() here has a constant side (min(1, x), max(x, 1 cell), max(CRP - CRP_0, 0)...). At a tie
//   the Jacobian takes the constant side's derivative, 0: any one-sided derivative is right at a kink, and this is
//   the one tolsim's kernels take (the nominal state starts with CRP exactly at CRP_0).
#pragma once

#include <algorithm>
#include <cmath>
#include <numbers>

#include "ra_msc_hand_parameters.hpp"

namespace ra_msc_hand {

// The drug amounts of models/therapies.yaml carry their own absolute tolerance (`atol: 1e-6`, in mg).
constexpr double kDrugAtolMg = 1e-6;
constexpr bool has_own_atol(int state) {
  return state == kMTX_gut || state == kMTX_sc || state == kMTX_c || state == kADA_sc || state == kADA_c ||
         state == kTCZ_c || state == kTCZ_p || state == kTCZ_sc || state == kGC_gut || state == kGC_c;
}

// The compartment size by which a state's amount is its concentration times; 1 for states stored as values.
inline double amount_per_value(int state, const Parameters& p) {
  if (state <= kIL2 || state == kFLS) return p.tissue;
  if (state >= kDC && state <= kPCl) return p.lymph;
  if ((state >= kTh1_b && state <= kACPA) || (state >= kCRP && state <= kGlobulin)) return p.blood;
  return 1.0;
}

// The state at the start from the model's initial values (in declared units: cells/uL, pg/mL, mg...), which a
// parameter table names after their states.
inline void initial_state(const double* initial_values, const Parameters& p, double* y) {
  for (int i = 0; i < kStates; ++i) y[i] = initial_values[i] * amount_per_value(i, p);
}

inline void derive(Parameters& p) {
  p.inv_tissue = 1.0 / p.tissue;
  p.inv_lymph = 1.0 / p.lymph;
  p.inv_blood = 1.0 / p.blood;
  p.lymph_per_blood = p.lymph / p.blood;
  p.mtx_conc_per_mg = 1000.0 / p.rx_V_MTX;
  p.ada_block = p.rx_f_tissue_mAb / (p.rx_V_ADA * p.rx_shift_ADA * p.rx_Kd_ADA);
  p.tcz_block = p.rx_f_tissue_mAb / (p.rx_V1_TCZ * p.rx_shift_TCZ * p.rx_Kd_TCZ);
  p.tcz_linear = p.rx_CL_TCZ * std::pow(p.body_weight / 70.0, p.rx_wt_exp_CL_TCZ) / p.rx_V1_TCZ;
  p.gc_elimination = p.rx_CL_GC_kg * p.body_weight / (p.rx_V_GC_kg * p.body_weight);
  p.gc_conc_per_mg = 1000.0 / (p.rx_V_GC_kg * p.body_weight);
  p.imprint_per_memory = p.FLS_autonomy * (p.Ag_RA * p.Ag_RA) / (p.Ag_RA * p.Ag_RA + 0.05 * 0.05);
  p.fls_memory_rate = std::numbers::ln2 / p.t_half_FLS_memory;
  p.K_FLS_memory_sq = p.K_FLS_memory * p.K_FLS_memory;
  p.K_pannus_damage_cube = p.K_pannus_damage * p.K_pannus_damage * p.K_pannus_damage;

  // piecewise(UC, cell_source == 1, CB, cell_source == 2, BM, cell_source == 3, AT)
  const double source = p.msc_cell_source;
  const auto product = [source](double uc, double cb, double bm, double at) {
    return source == 1.0 ? uc : source == 2.0 ? cb : source == 3.0 ? bm : at;
  };
  p.pot_IDO = product(p.msc_pot_IDO_UC, p.msc_pot_IDO_CB, p.msc_pot_IDO_BM, p.msc_pot_IDO_AT);
  p.pot_PGE2 = product(p.msc_pot_PGE2_UC, p.msc_pot_PGE2_CB, p.msc_pot_PGE2_BM, p.msc_pot_PGE2_AT);
  p.pot_TGFb = product(p.msc_pot_TGFb_UC, p.msc_pot_TGFb_CB, p.msc_pot_TGFb_BM, p.msc_pot_TGFb_AT);
  p.pot_TSG6 = product(p.msc_pot_TSG6_UC, p.msc_pot_TSG6_CB, p.msc_pot_TSG6_BM, p.msc_pot_TSG6_AT);
  p.pot_HLAG5 = product(p.msc_pot_HLAG5_UC, p.msc_pot_HLAG5_CB, p.msc_pot_HLAG5_BM, p.msc_pot_HLAG5_AT);
  p.pot_contact =
      product(p.msc_pot_contact_UC, p.msc_pot_contact_CB, p.msc_pot_contact_BM, p.msc_pot_contact_AT);
  p.lic_sens = product(p.msc_lic_sens_UC, p.msc_lic_sens_CB, p.msc_lic_sens_BM, p.msc_lic_sens_AT);
  p.unlic_mult = product(p.msc_unlic_mult_UC, p.msc_unlic_mult_CB, p.msc_unlic_mult_BM, p.msc_unlic_mult_AT);
  p.hla2_ind = product(p.msc_hla2_ind_UC, p.msc_hla2_ind_CB, p.msc_hla2_ind_BM, p.msc_hla2_ind_AT);
  p.lung_trap = product(p.msc_lung_trap_UC, p.msc_lung_trap_CB, p.msc_lung_trap_BM, p.msc_lung_trap_AT);
  p.B_mult = product(p.msc_B_mult_UC, p.msc_B_mult_CB, p.msc_B_mult_BM, p.msc_B_mult_AT);

  p.f_lung_eff = std::min(0.95, p.msc_f_lung * p.lung_trap);
  const double rest_scale = (1.0 - p.f_lung_eff) / (1.0 - p.msc_f_lung);
  p.f_liver_eff = p.msc_f_liver * rest_scale;
  p.f_spleen_eff = p.msc_f_spleen * rest_scale;
  p.f_other_eff = 1.0 - p.f_lung_eff - p.f_liver_eff - p.f_spleen_eff;

  p.prod_IDO = p.msc_use_IDO * p.pot_IDO;
  p.prod_PGE2 = p.msc_use_PGE2 * p.pot_PGE2;
  p.prod_TGFb = p.msc_use_TGFb * p.pot_TGFb;
  p.prod_TSG6 = p.msc_use_TSG6 * p.pot_TSG6;
  p.prod_HLAG5 = p.msc_use_HLAG5 * p.pot_HLAG5;
  p.prod_contact = p.msc_use_contact * p.pot_contact;
  p.unlic_IDO = std::min(1.0, p.msc_u_IDO * p.unlic_mult);
  p.unlic_PGE2 = std::min(1.0, p.msc_u_PGE2 * p.unlic_mult);
  p.unlic_TGFb = std::min(1.0, p.msc_u_TGFb * p.unlic_mult);
  p.unlic_TSG6 = std::min(1.0, p.msc_u_TSG6 * p.unlic_mult);
  p.unlic_HLAG5 = std::min(1.0, p.msc_u_HLAG5 * p.unlic_mult);
  p.unlic_contact = std::min(1.0, p.msc_u_contact * p.unlic_mult);
  p.K_IDO = p.msc_r50_IDO * p.msc_N_local;
  p.K_PGE2 = p.msc_r50_PGE2 * p.msc_N_local;
  p.K_TGFb = p.msc_r50_TGFb * p.msc_N_local;
  p.K_TSG6 = p.msc_r50_TSG6 * p.msc_N_local;
  p.K_HLAG5 = p.msc_r50_HLAG5 * p.msc_N_local;
  p.K_contact = p.msc_r50_contact * p.msc_N_local;
  p.Bmax_Treg_eff = p.msc_use_Treg_induction * p.msc_Bmax_Treg;
  p.B_max = std::min(1.0, p.msc_Imax_B * p.B_mult);
  p.M2max = p.msc_use_M2_shift * p.msc_k_M2max;
  p.hla2_at_lodging = p.msc_prelicensed * std::min(1.0, p.msc_hla2_primed * p.hla2_ind) +
                      (1.0 - p.msc_prelicensed) * p.msc_hla2_basal;
  p.EC50_IFNg_n = std::pow(p.msc_EC50_IFNg, p.msc_n_hill);
  p.EC50_TNF_n = std::pow(p.msc_EC50_TNF, p.msc_n_hill);
  p.EC50_IL1b_n = std::pow(p.msc_EC50_IL1b, p.msc_n_hill);
}

// Every intermediate quantity of one evaluation, named after the model's observables where it has one. The
// right-hand side reads them; the Jacobian reads them and differentiates through them.
struct Signals {
  // concentrations (cells/uL, pg/mL, mg/L...) of the species stored as amounts
  double apc, m1, m2, th1, th17, treg, cd8, nk, tnf, il6, il1b, ifng, il17, il10, tgfb, il2, fls;
  double dc, n4, n8, mem4, bn, bact, pcs, pcl;
  double th1b, th17b, tregb, cd8b, rf, acpa, crp, fib, glob;
  // drugs: mtx_effect, gc_effect, TNF_free_fraction, IL6R_free_fraction
  double mtx, gc, tnf_free, il6r_free;
  // MSCs: viable lodged cells, max(viable, 1 cell), licensed fraction, contact equivalents, k_death
  double viable, viable_floor, lic_frac, contact, k_death;
  double e_IDO, e_PGE2, e_TGFb, e_TSG6, e_HLAG5, e_contact, e_effero;
  double msc_T, boost, msc_B, m2_shift, nk_inh, msc_cyt;  // the six MSC outputs
  double t_inh, b_inh, cyt_inh;                           // ra.yaml's Bliss combinations with the drugs
  // immune core
  double s_TNF, s_IL6, s_IL1, s_IFN, s_IL17, s_IL10, s_TGF, f_IL2;
  double danger, costim, endothelial, homing, mono_homing, cascade;
  double f_DC, apc_competition, f_APC, f_supp, help_cells, f_help, secretion;
  double il6_il1, th17_drive;  // s_IL6 + s_IL1 and its saturation, (s_IL6 + s_IL1) / (1 + s_IL6 + s_IL1)
  double w_Th1, w_Th17, w_iTreg, w_sum, frac_Th1, frac_Th17, frac_iTreg, frac_mem_Th1;
  double damage_antigen, antigen;
  double prime_sat, react_sat, prime8_sat;  // N4 DC / (K_DC + DC + N4), and the same for Mem4 and N8
  double priming, reactivation, conv;
  // RA
  double fls_activation, imprinted, active_share, pannus, il6_available, liver_signal, liver_signal_15;
  // plasma cytokines and MSC licensing
  double ifng_plasma, tnf_plasma, il1b_plasma, h_IFNg, h_TNF, h_IL1b, h_co, licensing_raw, licensing;
};

inline Signals compute_signals(const double* y, const Parameters& p) {
  Signals s;
  const double vt = p.inv_tissue, vl = p.inv_lymph, vb = p.inv_blood;
  s.apc = y[kAPC] * vt, s.m1 = y[kM1] * vt, s.m2 = y[kM2] * vt, s.th1 = y[kTh1] * vt, s.th17 = y[kTh17] * vt;
  s.treg = y[kTreg] * vt, s.cd8 = y[kCD8] * vt, s.nk = y[kNK] * vt, s.tnf = y[kTNF] * vt,
  s.il6 = y[kIL6] * vt;
  s.il1b = y[kIL1b] * vt, s.ifng = y[kIFNg] * vt, s.il17 = y[kIL17] * vt, s.il10 = y[kIL10] * vt;
  s.tgfb = y[kTGFb] * vt, s.il2 = y[kIL2] * vt, s.fls = y[kFLS] * vt;
  s.dc = y[kDC] * vl, s.n4 = y[kN4] * vl, s.n8 = y[kN8] * vl, s.mem4 = y[kMem4] * vl, s.bn = y[kBn] * vl;
  s.bact = y[kBact] * vl, s.pcs = y[kPCs] * vl, s.pcl = y[kPCl] * vl;
  s.th1b = y[kTh1_b] * vb, s.th17b = y[kTh17_b] * vb, s.tregb = y[kTreg_b] * vb, s.cd8b = y[kCD8_b] * vb;
  s.rf = y[kRF] * vb, s.acpa = y[kACPA] * vb, s.crp = y[kCRP] * vb, s.fib = y[kFibrinogen] * vb;
  s.glob = y[kGlobulin] * vb;

  // therapies.yaml outputs
  const double pgl = y[kMTX_PG_long];
  s.mtx = p.rx_Emax_MTX * pgl / (pgl + p.rx_EC50_MTX);
  s.gc = p.rx_Emax_GC * y[kGC_e] / (y[kGC_e] + p.rx_IC50_GC);
  s.tnf_free = 1.0 / (1.0 + p.ada_block * y[kADA_c]);
  s.il6r_free = 1.0 / (1.0 + p.tcz_block * y[kTCZ_c]);

  // msc.yaml outputs: mechanism occupancies, Bliss-combined
  s.viable = y[kMSC_lung] + y[kMSC_liver] + y[kMSC_spleen] + y[kMSC_other];
  s.viable_floor = std::max(s.viable, 1.0);
  s.lic_frac = y[kMSC_lic] / s.viable_floor;
  s.contact =
      p.prod_contact * (y[kMSC_lung] + y[kMSC_spleen]) * (p.unlic_contact * (1.0 - s.lic_frac) + s.lic_frac);
  s.k_death = p.msc_k_apo * (1.0 + p.msc_allo_fold * y[kAllo_R]);
  s.e_IDO = y[kKyn] / (y[kKyn] + p.K_IDO);
  s.e_PGE2 = y[kPGE2] / (y[kPGE2] + p.K_PGE2);
  s.e_TGFb = y[kMscTGFb] / (y[kMscTGFb] + p.K_TGFb);
  s.e_TSG6 = y[kTSG6] / (y[kTSG6] + p.K_TSG6);
  s.e_HLAG5 = y[kHLAG5] / (y[kHLAG5] + p.K_HLAG5);
  s.e_contact = s.contact / (s.contact + p.K_contact);
  s.e_effero = p.msc_use_efferocytosis * y[kEffero] / (y[kEffero] + p.msc_K_effero);
  const double n_IDO = 1.0 - s.e_IDO, n_PGE2 = 1.0 - s.e_PGE2, n_TGFb = 1.0 - s.e_TGFb;
  const double n_TSG6 = 1.0 - s.e_TSG6, n_HLAG5 = 1.0 - s.e_HLAG5, n_contact = 1.0 - s.e_contact;
  const double n_effero = 1.0 - s.e_effero;
  s.msc_T = p.msc_Imax_T * (1.0 - n_IDO * n_PGE2 * n_TGFb * n_contact);
  s.boost = p.Bmax_Treg_eff * (1.0 - n_TGFb * n_PGE2 * n_HLAG5 * n_effero);
  s.msc_B = p.B_max * (1.0 - n_IDO * n_PGE2 * n_contact);
  s.m2_shift = p.M2max * (1.0 - n_effero * n_PGE2 * n_TSG6);
  s.nk_inh = p.msc_Imax_NK * (1.0 - n_PGE2 * n_IDO * n_HLAG5);
  s.msc_cyt = p.msc_Imax_cyt * (1.0 - n_TSG6 * n_PGE2);

  // ra.yaml: drugs and MSCs combined by Bliss independence
  const double mtx_T = 1.0 - p.w_MTX_T * s.mtx;
  s.t_inh = 1.0 - mtx_T * (1.0 - p.w_GC_T * s.gc) * (1.0 - s.msc_T);
  s.b_inh = 1.0 - mtx_T * (1.0 - s.msc_B);
  s.cyt_inh = 1.0 - (1.0 - s.gc) * (1.0 - p.w_MTX_cyt * s.mtx) * (1.0 - s.msc_cyt);

  // immune-core observables
  s.s_TNF = s.tnf * s.tnf_free / p.K_TNF;
  s.s_IL6 = s.il6 * s.il6r_free / p.K_IL6;
  s.s_IL1 = s.il1b / p.K_IL1;
  s.s_IFN = s.ifng / p.K_IFN;
  s.s_IL17 = s.il17 / p.K_IL17;
  s.s_IL10 = s.il10 / p.K_IL10;
  s.s_TGF = s.tgfb / p.K_TGF;
  s.f_IL2 = s.il2 / (s.il2 + p.K_IL2);
  s.danger = s.s_TNF + s.s_IL1 + s.s_IFN;
  s.costim = (p.c_0 + s.danger) / (1.0 + s.danger);
  s.endothelial = s.s_TNF + s.s_IL1;
  s.homing = (p.h0 + s.endothelial) / (1.0 + s.endothelial);
  s.mono_homing = s.homing * (p.a_IL6_chemokine + s.s_IL6) / (1.0 + s.s_IL6);
  s.cascade = (p.a_cascade + s.s_TNF) / (1.0 + s.s_TNF);
  s.f_DC = s.dc / (s.dc + p.K_DC);
  s.apc_competition = s.apc + p.K_APC + s.th1 + s.th17 + s.cd8 + s.treg;
  s.f_APC = s.apc / s.apc_competition;
  s.f_supp = 1.0 / (1.0 + s.treg / p.K_supp);
  s.help_cells = s.th1b + s.th17b;
  s.f_help = s.help_cells / (s.help_cells + p.K_help);
  s.secretion = (1.0 - s.cyt_inh) / (1.0 + s.s_IL10);
  s.il6_il1 = s.s_IL6 + s.s_IL1;
  s.th17_drive = s.il6_il1 / (1.0 + s.il6_il1);
  s.w_Th1 = p.b_Th1 * s.costim * (1.0 + s.s_IFN);
  s.w_Th17 = p.b_Th17 * s.costim * (1.0 + 4.0 * s.th17_drive);
  s.w_iTreg = p.b_iTreg * (1.0 + s.boost) * (1.0 + s.s_TGF) / (1.0 + 4.0 * s.s_IL6);
  s.w_sum = s.w_Th1 + s.w_Th17 + s.w_iTreg;
  s.frac_Th1 = s.w_Th1 / s.w_sum;
  s.frac_Th17 = s.w_Th17 / s.w_sum;
  s.frac_iTreg = s.w_iTreg / s.w_sum;
  s.frac_mem_Th1 = s.w_Th1 / (s.w_Th1 + s.w_Th17);
  const double damage = y[kDamage];
  s.damage_antigen = p.ag_damage_max * damage / (damage + p.K_damage_ag);
  s.antigen = p.Ag_RA + s.damage_antigen;
  s.prime_sat = s.n4 * s.dc / (p.K_DC + s.dc + s.n4);
  s.react_sat = s.mem4 * s.dc / (p.K_DC + s.dc + s.mem4);
  s.prime8_sat = s.n8 * s.dc / (p.K_DC + s.dc + s.n8);
  s.priming = p.k_prime * s.prime_sat * (1.0 - s.t_inh);
  s.reactivation = p.k_mreact * s.react_sat * (1.0 - s.t_inh);
  s.conv = p.k_conv * (1.0 + s.boost) * s.s_TGF / (1.0 + s.s_TGF) / (1.0 + s.s_IL6);

  // ra.yaml: synovium and acute phase
  s.fls_activation =
      (s.s_TNF + s.s_IL1) * (1.0 + s.s_IL17) * (p.a_IL6_FLS + s.s_IL6) / (1.0 + s.s_IL6) / p.K_FLS_act;
  s.imprinted = p.imprint_per_memory * y[kFLS_memory];
  s.active_share = s.imprinted + (1.0 - s.imprinted) * s.fls_activation / (1.0 + s.fls_activation);
  s.pannus = (s.fls - p.FLS_rest) / p.FLS_gain;
  s.il6_available = (p.IL6_plasma_0 + p.f_IL6_spill * s.il6) * s.il6r_free;
  s.liver_signal = s.il6_available / p.EC50_IL6_CRP;
  s.liver_signal_15 = std::pow(s.liver_signal, 1.5);

  // ra-msc.yaml: plasma cytokines license the lodged MSCs (msc.yaml)
  s.ifng_plasma = p.IFNg_plasma_0 + p.f_IFNg_spill * s.ifng;
  s.tnf_plasma = p.TNF_plasma_0 + p.f_TNF_spill * s.tnf;
  s.il1b_plasma = p.IL1b_plasma_0 + p.f_IL1b_spill * s.il1b;
  const double ifng_n = std::pow(s.ifng_plasma, p.msc_n_hill);
  const double tnf_n = std::pow(s.tnf_plasma, p.msc_n_hill);
  const double il1b_n = std::pow(s.il1b_plasma, p.msc_n_hill);
  s.h_IFNg = ifng_n / (p.EC50_IFNg_n + ifng_n);
  s.h_TNF = tnf_n / (p.EC50_TNF_n + tnf_n);
  s.h_IL1b = il1b_n / (p.EC50_IL1b_n + il1b_n);
  s.h_co = 1.0 - (1.0 - s.h_TNF) * (1.0 - s.h_IL1b);
  s.licensing_raw = p.lic_sens * s.h_IFNg * (p.msc_w_IFNg_alone + (1.0 - p.msc_w_IFNg_alone) * s.h_co);
  s.licensing = std::min(1.0, s.licensing_raw);
  return s;
}

// dy/dt, plus the infusion inputs u (amount per day into each state), as tolsim's rhs kernels add them.
[[gnu::noinline]] inline void hand_rhs(const double* y, const Parameters& p, const double* u, double* f) {
  const Signals s = compute_signals(y, p);
  const double vt = p.tissue, vl = p.lymph, vb = p.blood;

  // ---- immune core: tissue
  const double apc_activation = p.k_APC * p.APC_max * s.antigen / (1.0 + s.antigen) * (p.a_APC0 + s.danger) /
                                (1.0 + s.danger) / (1.0 + s.s_IL10) * vt;
  const double apc_migration = p.k_mig * y[kAPC];
  f[kAPC] = apc_activation - apc_migration - p.d_APC * y[kAPC];
  const double ifn_share = s.s_IFN / (1.0 + s.s_IFN);
  const double recruitment = p.k_recruit * p.Mono * s.mono_homing / (1.0 + s.s_IFN) * vb;
  const double m1_to_m2 = (p.k_12 * (s.s_IL10 + s.s_TGF) / (1.0 + s.s_IL10 + s.s_TGF) + s.m2_shift) * y[kM1];
  const double m2_to_m1 = p.k_21 * ifn_share * y[kM2];
  f[kM1] = recruitment * (p.m1_0 + s.s_IFN) - m1_to_m2 + m2_to_m1 - p.d_mac * y[kM1];
  f[kM2] = recruitment * (1.0 - p.m1_0) + p.s_M2 * vt + m1_to_m2 - m2_to_m1 - p.d_mac * y[kM2];
  // effector T cells: homing from blood, antigen- and IL-2-driven proliferation under suppression and drugs
  const double homing_rate = p.k_home * s.homing;
  const double prolif = p.k_prolif * s.f_APC * s.f_IL2 * s.f_supp * (1.0 - s.t_inh);
  const double th1_to_memory = p.k_mem * y[kTh1], th17_to_memory = p.k_mem * y[kTh17];
  const double th17_to_treg = s.conv * y[kTh17];
  f[kTh1] = homing_rate * y[kTh1_b] + (prolif - p.d_eff) * y[kTh1] - th1_to_memory;
  f[kTh17] =
      homing_rate * y[kTh17_b] + (prolif * s.th17_drive - p.d_eff) * y[kTh17] - th17_to_memory - th17_to_treg;
  f[kTreg] =
      homing_rate * y[kTreg_b] + th17_to_treg +
      (p.k_Treg_prolif * s.f_IL2 * s.f_APC - p.d_Treg - p.k_destab * s.s_IL6 / (1.0 + s.s_IL6)) * y[kTreg];
  f[kCD8] = homing_rate * y[kCD8_b] + (prolif - p.d_eff) * y[kCD8];
  f[kNK] = p.k_NK_home * s.homing * p.NK_blood * vb - p.d_NK * y[kNK];
  // cytokines
  const double t_effectors = (s.th1 + s.cd8) * s.f_supp;
  const double m1_cascade = s.m1 * s.cascade * s.secretion;
  const double il6_by_fls = p.p_IL6_FLS * (s.fls - p.FLS_rest) * s.active_share * s.secretion * vt;
  f[kTNF] = (p.p_TNF_M1 * s.m1 + p.p_TNF_T * t_effectors) * s.secretion * vt - p.k_TNF * y[kTNF];
  f[kIL6] = (p.p_IL6_0 + p.p_IL6_M1 * m1_cascade) * vt - p.k_IL6 * y[kIL6] + il6_by_fls;
  f[kIL1b] = p.p_IL1_M1 * m1_cascade * vt - p.k_IL1 * y[kIL1b];
  f[kIFNg] = (p.p_IFN_T * t_effectors + p.p_IFN_NK * s.nk * (1.0 - s.nk_inh)) * s.secretion * vt -
             p.k_IFN * y[kIFNg];
  f[kIL17] = p.p_IL17 * s.th17 * s.f_supp * s.secretion * vt - p.k_IL17 * y[kIL17];
  f[kIL10] = (p.p_IL10_M2 * s.m2 + p.p_IL10_Treg * s.treg) * vt - p.k_IL10 * y[kIL10];
  f[kTGFb] = (p.p_TGF_0 + p.p_TGF_M2 * s.m2 + p.p_TGF_Treg * s.treg) * vt - p.k_TGF * y[kTGFb];
  f[kIL2] = p.p_IL2 * (s.th1 + s.th17) * s.f_supp * (1.0 - s.cyt_inh) * vt -
            (p.k_IL2 + p.k_IL2_use * s.treg) * y[kIL2];

  // ---- immune core: lymph node
  const double n4_priming = s.priming * vl, mem4_use = s.reactivation * vl;
  const double n8_priming = p.k_prime8 * s.prime8_sat * (1.0 - s.t_inh) * vl;
  f[kDC] = apc_migration - p.d_DC * y[kDC];
  f[kN4] = p.s_N4 * vl - p.d_N4 * y[kN4] - n4_priming;
  f[kN8] = p.s_N8 * vl - p.d_N8 * y[kN8] - n8_priming;
  f[kMem4] = th1_to_memory + th17_to_memory - mem4_use - p.d_mem * y[kMem4];
  const double b_free = 1.0 - s.b_inh;
  const double b_activation = p.k_Bact * s.f_DC * s.f_help * b_free * y[kBn];
  const double b_prolif = p.k_Bprolif * s.f_help * b_free * (1.0 - s.t_inh) * y[kBact];
  const double pc_rate = p.k_PC * b_free * (1.0 + s.s_IL6) / (2.0 + s.s_IL6) * y[kBact];
  const double to_pcs = (1.0 - p.f_PCl) * pc_rate, to_pcl = p.f_PCl * pc_rate;
  f[kBn] = p.s_Bn * vl - p.d_Bn * y[kBn] - b_activation;
  f[kBact] = b_activation + b_prolif - p.d_Bact * y[kBact] - to_pcs - to_pcl;
  f[kPCs] = to_pcs - p.d_PCs * y[kPCs];
  f[kPCl] = to_pcl - p.d_PCl * y[kPCl];

  // ---- immune core: blood
  const double primary_output = p.burst * s.priming * p.lymph_per_blood * vb;  // cells/uL/day x blood
  const double memory_output = p.burst_mem * s.reactivation * p.lymph_per_blood * vb;
  const double blood_loss = homing_rate + p.d_blood;
  f[kTh1_b] = primary_output * s.frac_Th1 + memory_output * s.frac_mem_Th1 - blood_loss * y[kTh1_b];
  f[kTh17_b] =
      primary_output * s.frac_Th17 + memory_output * (1.0 - s.frac_mem_Th1) - blood_loss * y[kTh17_b];
  f[kTreg_b] = primary_output * s.frac_iTreg + p.s_nTreg * vb - blood_loss * y[kTreg_b];
  f[kCD8_b] = p.burst * p.k_prime8 * s.prime8_sat * s.costim * (1.0 - s.t_inh) * vl - blood_loss * y[kCD8_b];
  const double plasma_cells = (s.pcs + s.pcl) * p.lymph_per_blood;
  f[kRF] = (p.p_RF * plasma_cells + p.k_RF * p.RF_base) * vb - p.k_RF * y[kRF];
  f[kACPA] = (p.p_ACPA * plasma_cells + p.k_ACPA * p.ACPA_base) * vb - p.k_ACPA * y[kACPA];

  // ---- therapies
  const double mtx_absorption = p.rx_Vmax_MTX_abs * y[kMTX_gut] / (p.rx_Km_MTX_abs + y[kMTX_gut]);
  const double mtx_sc_absorption = p.rx_ka_MTX_sc * y[kMTX_sc];
  f[kMTX_gut] = -mtx_absorption - p.rx_k_MTX_transit * y[kMTX_gut];
  f[kMTX_sc] = -mtx_sc_absorption;
  f[kMTX_c] = mtx_absorption + mtx_sc_absorption - p.rx_CL_MTX * y[kMTX_c] / p.rx_V_MTX;
  f[kMTX_PG_short] = p.rx_k_MTX_PG * (p.mtx_conc_per_mg * y[kMTX_c] - y[kMTX_PG_short]);
  f[kMTX_PG_long] = p.rx_k_MTX_PG * (y[kMTX_PG_short] - y[kMTX_PG_long]);
  const double ada_absorption = p.rx_F_ADA * p.rx_ka_ADA * y[kADA_sc];
  f[kADA_sc] = -ada_absorption - (1.0 - p.rx_F_ADA) * p.rx_ka_ADA * y[kADA_sc];
  const double pgl = y[kMTX_PG_long];
  const double cl_ada = p.rx_CL_ADA * (1.0 - p.rx_Imax_MTX_ADA * pgl / (pgl + p.rx_EC50_MTX_ADA));
  f[kADA_c] = ada_absorption - cl_ada * y[kADA_c] / p.rx_V_ADA;
  const double tcz_absorption = p.rx_F_TCZ_sc * p.rx_ka_TCZ_sc * y[kTCZ_sc];
  const double c_tcz = y[kTCZ_c] / p.rx_V1_TCZ;
  const double tcz_distribution = p.rx_Q_TCZ * (c_tcz - y[kTCZ_p] / p.rx_V2_TCZ);
  f[kTCZ_c] = tcz_absorption - p.tcz_linear * y[kTCZ_c] - p.rx_Vmax_TCZ * c_tcz / (p.rx_Km_TCZ + c_tcz) -
              tcz_distribution;
  f[kTCZ_p] = tcz_distribution;
  f[kTCZ_sc] = -tcz_absorption - (1.0 - p.rx_F_TCZ_sc) * p.rx_ka_TCZ_sc * y[kTCZ_sc];
  const double gc_absorption = p.rx_F_GC * p.rx_ka_GC * y[kGC_gut];
  f[kGC_gut] = -gc_absorption - (1.0 - p.rx_F_GC) * p.rx_ka_GC * y[kGC_gut];
  f[kGC_c] = gc_absorption - p.gc_elimination * y[kGC_c];
  f[kGC_e] = p.rx_ke0_GC * (p.gc_conc_per_mg * y[kGC_c] - y[kGC_e]);
  f[kPlacebo] = 0.0;
  f[kGC_dose_avg] = (p.rx_ka_GC * y[kGC_gut] - y[kGC_dose_avg]) / p.rx_tau_GC_avg;
  f[kPlacebo_state] = p.rx_k_placebo * (std::min(y[kPlacebo], 1.0) - y[kPlacebo_state]);

  // ---- rheumatoid arthritis
  f[kFLS] = p.k_FLS * (p.FLS_rest + p.FLS_gain * s.active_share) * vt - p.k_FLS * y[kFLS];
  const double pannus_cube = s.pannus * s.pannus * s.pannus;
  f[kDamage] = p.k_damage * pannus_cube / (pannus_cube + p.K_pannus_damage_cube);
  const double liver_sat = s.liver_signal / (1.0 + s.liver_signal);
  f[kCRP] = p.k_CRP * (p.CRP_0 + p.CRP_max * s.liver_signal_15 / (1.0 + s.liver_signal_15)) * vb -
            p.k_CRP * y[kCRP];
  f[kFibrinogen] = p.k_Fib *
                       (p.Fib_0 + p.Fib_basal * s.il6_available / (p.EC50_IL6_Fib_basal + s.il6_available) +
                        p.Fib_gain * liver_sat) *
                       vb -
                   p.k_Fib * y[kFibrinogen];
  f[kGlobulin] = p.k_Glob * (p.Glob_0 + p.Glob_gain * liver_sat) * vb - p.k_Glob * y[kGlobulin];
  f[kCRP_burden] = std::max(s.crp - p.CRP_0, 0.0);
  const double act_sq = s.fls_activation * s.fls_activation;
  f[kFLS_memory] = p.fls_memory_rate * (act_sq / (act_sq + p.K_FLS_memory_sq) - y[kFLS_memory]);

  // ---- MSCs: lodging, death, efferocytosis, label transport
  const double blood_msc = y[kMSC_blood];
  const double lodge = p.msc_k_lodge * blood_msc;
  f[kMSC_blood] = -lodge * (p.f_lung_eff + p.f_liver_eff + p.f_spleen_eff + p.f_other_eff);
  const double die_lung = s.k_death * y[kMSC_lung], die_liver = s.k_death * y[kMSC_liver];
  const double die_spleen = s.k_death * y[kMSC_spleen], die_other = s.k_death * y[kMSC_other];
  f[kMSC_lung] = lodge * p.f_lung_eff - die_lung;
  f[kMSC_liver] = lodge * p.f_liver_eff - die_liver;
  f[kMSC_spleen] = lodge * p.f_spleen_eff - die_spleen;
  f[kMSC_other] = lodge * p.f_other_eff - die_other;
  const double eng_lung = p.msc_k_eng * y[kApo_lung], eng_liver = p.msc_k_eng * y[kApo_liver];
  const double eng_spleen = p.msc_k_eng * y[kApo_spleen], eng_other = p.msc_k_eng * y[kApo_other];
  f[kApo_lung] = die_lung - eng_lung;
  f[kApo_liver] = die_liver - eng_liver;
  f[kApo_spleen] = die_spleen - eng_spleen;
  f[kApo_other] = die_other - eng_other;
  const double from_lung = p.msc_k_mig_lung * y[kLab_lung], from_other = p.msc_k_mig_other * y[kLab_other];
  const double to_spleen = p.msc_s_spleen, to_liver = 1.0 - p.msc_s_spleen;
  f[kLab_lung] = eng_lung - from_lung * to_liver - from_lung * to_spleen;
  f[kLab_liver] = eng_liver + from_lung * to_liver + from_other * to_liver;
  f[kLab_spleen] = eng_spleen + from_lung * to_spleen + from_other * to_spleen;
  f[kLab_other] = eng_other - from_other * to_liver - from_other * to_spleen;
  f[kLodged_cum] = lodge;
  const double engulfed = p.msc_k_eng * (y[kApo_lung] + y[kApo_liver] + y[kApo_spleen] + y[kApo_other]);
  f[kCleared_cum] = engulfed;
  f[kEffero] = engulfed - p.msc_k_mem * y[kEffero];
  // licensing, HLA class II, mediators, anti-donor response
  const double lic = y[kMSC_lic], hla2 = y[kMSC_hla2];
  f[kMSC_lic] = p.msc_prelicensed * lodge + p.msc_k_lic * s.licensing * (s.viable - lic) -
                p.msc_k_delic * lic - s.k_death * lic;
  f[kMSC_hla2] = p.hla2_at_lodging * lodge +
                 p.msc_k_hla * std::min(1.0, p.hla2_ind * s.h_IFNg) * (s.viable - hla2) -
                 p.msc_k_hla_off * (hla2 - p.msc_hla2_basal * s.viable) - s.k_death * hla2;
  const double unlicensed = s.viable - lic;
  f[kKyn] = p.msc_kdeg_Kyn * (p.prod_IDO * (unlicensed * p.unlic_IDO + lic) - y[kKyn]);
  f[kPGE2] = p.msc_kdeg_PGE2 * (p.prod_PGE2 * (unlicensed * p.unlic_PGE2 + lic) - y[kPGE2]);
  f[kMscTGFb] = p.msc_kdeg_TGFb * (p.prod_TGFb * (unlicensed * p.unlic_TGFb + lic) - y[kMscTGFb]);
  f[kTSG6] = p.msc_kdeg_TSG6 * (p.prod_TSG6 * (unlicensed * p.unlic_TSG6 + lic) - y[kTSG6]);
  f[kHLAG5] = p.msc_kdeg_HLAG5 * (p.prod_HLAG5 * (unlicensed * p.unlic_HLAG5 + lic) - y[kHLAG5]);
  f[kAllo_Ag] =
      p.msc_allogeneic * s.k_death * (s.viable + (p.msc_w_hla2 - 1.0) * hla2) - p.msc_k_ag * y[kAllo_Ag];
  f[kAllo_R] = p.msc_k_R_on * y[kAllo_Ag] / (y[kAllo_Ag] + p.msc_K_ag) * (1.0 - y[kAllo_R]) -
               p.msc_k_R_off * y[kAllo_R];

  for (int i = 0; i < kStates; ++i) f[i] += u[i];
}

}  // namespace ra_msc_hand

#include "ra_msc_hand_jacobian.hpp"  // NOLINT: the Jacobian, in its own file for length
