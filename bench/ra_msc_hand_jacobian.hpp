// The analytic Jacobian of bench/ra_msc_hand.hpp, differentiated by hand, on a fixed compressed-sparse-column
// pattern: d f_i / d y_j for every (i, j) through which an equation reads a state, plus the whole diagonal (CVODES
// forms I - gamma J in place only if every diagonal entry is in the pattern).
//
// The pattern is written as dependency sets, row by row, below; the Jacobian adds each partial derivative at a
// position looked up at compile time (kSlot), so that an entry outside the pattern does not compile. Signals that
// many equations share (the drugs' and MSCs' inhibitions, the cytokine signals) carry their gradient over the
// states they read, and each equation adds its coefficient times that gradient (the chain rule, once per signal).
// Included by ra_msc_hand.hpp.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <initializer_list>

#include "ra_msc_hand.hpp"

namespace ra_msc_hand {

// A signal's partial derivatives with respect to the states it reads, in that order.
template <int... Columns>
struct Gradient {
  static constexpr std::array<int, sizeof...(Columns)> kColumns = {Columns...};
  std::array<double, sizeof...(Columns)> d{};
};

// The states each shared signal reads.
using TnfSignal = Gradient<kTNF, kADA_c>;                            // s_TNF (adalimumab neutralises TNF)
using Il6Signal = Gradient<kIL6, kTCZ_c>;                            // s_IL6 (tocilizumab blocks IL-6R)
using Il6Il1Signal = Gradient<kIL6, kTCZ_c, kIL1b>;                  // s_IL6 + s_IL1
using DangerSignal = Gradient<kTNF, kADA_c, kIL1b, kIFNg>;           // danger, costim
using HomingSignal = Gradient<kTNF, kADA_c, kIL1b>;                  // homing
using MonocyteSignal = Gradient<kTNF, kADA_c, kIL1b, kIL6, kTCZ_c>;  // monocyte_homing
using ApcSignal = Gradient<kAPC, kTh1, kTh17, kCD8, kTreg>;          // f_APC
using ContactSignal = Gradient<kMSC_lung, kMSC_liver, kMSC_spleen, kMSC_other, kMSC_lic>;  // e_contact
using TInhibition = Gradient<kMTX_PG_long, kGC_e, kKyn, kPGE2, kMscTGFb, kMSC_lung, kMSC_liver, kMSC_spleen,
                             kMSC_other, kMSC_lic>;  // T_inhibition_total
using BInhibition =
    Gradient<kMTX_PG_long, kKyn, kPGE2, kMSC_lung, kMSC_liver, kMSC_spleen, kMSC_other, kMSC_lic>;
using CytokineInhibition = Gradient<kGC_e, kMTX_PG_long, kTSG6, kPGE2>;      // cytokine_inhibition_total
using SecretionSignal = Gradient<kGC_e, kMTX_PG_long, kTSG6, kPGE2, kIL10>;  // secretion
using BoostSignal = Gradient<kMscTGFb, kPGE2, kHLAG5, kEffero>;              // Treg_induction_boost
using M2ShiftSignal = Gradient<kEffero, kPGE2, kTSG6>;                       // M2_shift_rate
using NkSignal = Gradient<kPGE2, kKyn, kHLAG5>;                              // NK_inhibition
using ConversionSignal = Gradient<kMscTGFb, kPGE2, kHLAG5, kEffero, kTGFb, kIL6, kTCZ_c>;  // Th17 -> Treg
using Polarisation = Gradient<kTNF, kADA_c, kIL1b, kIFNg, kIL6, kTCZ_c, kTGFb, kMscTGFb, kPGE2, kHLAG5,
                              kEffero>;  // frac_Th1, frac_Th17, frac_iTreg
using FlsSignal =
    Gradient<kTNF, kADA_c, kIL1b, kIL17, kIL6, kTCZ_c, kFLS_memory>;  // FLS activation and share
using LicensingSignal = Gradient<kIFNg, kTNF, kIL1b>;                 // licensing_signal

namespace pattern {

struct Dependencies {
  std::array<std::array<bool, kStates>, kStates> on{};  // on[row][column]
  constexpr void add(int row, std::initializer_list<int> columns) {
    for (int c : columns) on[static_cast<std::size_t>(row)][static_cast<std::size_t>(c)] = true;
  }
  template <int... Columns>
  constexpr void add(int row, Gradient<Columns...> /*signal*/) {
    add(row, {Columns...});
  }
};

// Which states each equation reads, directly or through the signals above.
constexpr Dependencies dependencies() {
  Dependencies p;
  constexpr int kViable[] = {kMSC_lung, kMSC_liver, kMSC_spleen, kMSC_other};
  // immune core, tissue
  p.add(kAPC, {kDamage, kIL10}), p.add(kAPC, DangerSignal{});
  for (int row : {kM1, kM2})
    p.add(row, {kM1, kM2, kIFNg, kIL10, kTGFb}), p.add(row, MonocyteSignal{}), p.add(row, M2ShiftSignal{});
  for (int row : {kTh1, kTh17, kCD8})
    p.add(row, {kIL2}), p.add(row, HomingSignal{}), p.add(row, ApcSignal{}), p.add(row, TInhibition{});
  p.add(kTh1, {kTh1_b}), p.add(kTh17, {kTh17_b}), p.add(kCD8, {kCD8_b});
  p.add(kTh17, Il6Il1Signal{}), p.add(kTh17, ConversionSignal{});
  p.add(kTreg, {kTreg_b, kTh17, kIL2}), p.add(kTreg, HomingSignal{}), p.add(kTreg, ConversionSignal{});
  p.add(kTreg, ApcSignal{});
  p.add(kNK, HomingSignal{});
  p.add(kTNF, {kM1, kTh1, kCD8, kTreg}), p.add(kTNF, SecretionSignal{});
  p.add(kIL6, {kM1, kFLS}), p.add(kIL6, TnfSignal{}), p.add(kIL6, SecretionSignal{}),
      p.add(kIL6, FlsSignal{});
  p.add(kIL1b, {kM1}), p.add(kIL1b, TnfSignal{}), p.add(kIL1b, SecretionSignal{});
  p.add(kIFNg, {kTh1, kCD8, kTreg, kNK}), p.add(kIFNg, NkSignal{}), p.add(kIFNg, SecretionSignal{});
  p.add(kIL17, {kTh17, kTreg}), p.add(kIL17, SecretionSignal{});
  p.add(kIL10, {kM2, kTreg}), p.add(kTGFb, {kM2, kTreg});
  p.add(kIL2, {kTh1, kTh17, kTreg}), p.add(kIL2, CytokineInhibition{});
  // lymph node
  p.add(kDC, {kAPC});
  p.add(kN4, {kDC}), p.add(kN4, TInhibition{});
  p.add(kN8, {kDC}), p.add(kN8, TInhibition{});
  p.add(kMem4, {kDC, kTh1, kTh17}), p.add(kMem4, TInhibition{});
  p.add(kBn, {kDC, kTh1_b, kTh17_b}), p.add(kBn, BInhibition{});
  p.add(kBact, {kBn, kDC, kTh1_b, kTh17_b}), p.add(kBact, BInhibition{}), p.add(kBact, TInhibition{});
  p.add(kBact, Il6Signal{});
  for (int row : {kPCs, kPCl}) p.add(row, {kBact}), p.add(row, BInhibition{}), p.add(row, Il6Signal{});
  // blood
  for (int row : {kTh1_b, kTh17_b, kTreg_b})
    p.add(row, {kN4, kDC}), p.add(row, TInhibition{}), p.add(row, Polarisation{}), p.add(row, HomingSignal{});
  p.add(kTh1_b, {kMem4}), p.add(kTh17_b, {kMem4});
  p.add(kCD8_b, {kN8, kDC}), p.add(kCD8_b, DangerSignal{}), p.add(kCD8_b, TInhibition{});
  p.add(kCD8_b, HomingSignal{});
  p.add(kRF, {kPCs, kPCl}), p.add(kACPA, {kPCs, kPCl});
  // therapies
  p.add(kMTX_c, {kMTX_gut, kMTX_sc}), p.add(kMTX_PG_short, {kMTX_c}), p.add(kMTX_PG_long, {kMTX_PG_short});
  p.add(kADA_c, {kADA_sc, kMTX_PG_long});
  p.add(kTCZ_c, {kTCZ_sc, kTCZ_p}), p.add(kTCZ_p, {kTCZ_c});
  p.add(kGC_c, {kGC_gut}), p.add(kGC_e, {kGC_c}), p.add(kGC_dose_avg, {kGC_gut});
  p.add(kPlacebo_state, {kPlacebo});
  // rheumatoid arthritis
  p.add(kFLS, FlsSignal{}), p.add(kFLS_memory, FlsSignal{});
  p.add(kDamage, {kFLS}), p.add(kCRP_burden, {kCRP});
  for (int row : {kCRP, kFibrinogen, kGlobulin}) p.add(row, Il6Signal{});
  // MSCs
  for (int i = 0; i < 4; ++i) {
    p.add(kMSC_lung + i, {kMSC_blood, kAllo_R});
    p.add(kApo_lung + i, {kViable[i], kAllo_R});
    p.add(kLab_lung + i, {kApo_lung + i});
    p.add(kCleared_cum, {kApo_lung + i}), p.add(kEffero, {kApo_lung + i});
  }
  p.add(kLab_liver, {kLab_lung, kLab_other}), p.add(kLab_spleen, {kLab_lung, kLab_other});
  p.add(kLodged_cum, {kMSC_blood});
  p.add(kMSC_lic, {kMSC_blood, kAllo_R}), p.add(kMSC_lic, ContactSignal{}),
      p.add(kMSC_lic, LicensingSignal{});
  p.add(kMSC_hla2, {kMSC_blood, kAllo_R, kIFNg, kMSC_lung, kMSC_liver, kMSC_spleen, kMSC_other});
  for (int row : {kKyn, kPGE2, kMscTGFb, kTSG6, kHLAG5}) p.add(row, ContactSignal{});
  p.add(kAllo_Ag, {kAllo_R, kMSC_hla2, kMSC_lung, kMSC_liver, kMSC_spleen, kMSC_other});
  p.add(kAllo_R, {kAllo_Ag});
  for (int i = 0; i < kStates; ++i) p.add(i, {i});
  return p;
}

inline constexpr Dependencies kDependencies = dependencies();

constexpr int count_nonzeros() {
  int n = 0;
  for (const auto& row : kDependencies.on)
    for (bool on : row) n += on ? 1 : 0;
  return n;
}

}  // namespace pattern

inline constexpr int kNonZeros = pattern::count_nonzeros();

// Compressed sparse columns: the rows of column j are rows[column_starts[j] .. column_starts[j + 1]), ascending.
struct SparsePattern {
  std::array<int, kStates + 1> column_starts{};
  std::array<int, kNonZeros> rows{};
};

inline constexpr SparsePattern kPattern = [] {
  SparsePattern p;
  int k = 0;
  for (int c = 0; c < kStates; ++c) {
    p.column_starts[static_cast<std::size_t>(c)] = k;
    for (int r = 0; r < kStates; ++r)
      if (pattern::kDependencies.on[static_cast<std::size_t>(r)][static_cast<std::size_t>(c)])
        p.rows[static_cast<std::size_t>(k++)] = r;
  }
  p.column_starts[kStates] = k;
  return p;
}();

consteval int slot(int row, int column) {
  for (int k = kPattern.column_starts[static_cast<std::size_t>(column)];
       k < kPattern.column_starts[static_cast<std::size_t>(column) + 1]; ++k)
    if (kPattern.rows[static_cast<std::size_t>(k)] == row) return k;
  throw "the entry is not in the Jacobian pattern";
}
template <int Row, int Column>
inline constexpr int kSlot = slot(Row, Column);

namespace detail {

constexpr double sq(double x) {
  return x * x;
}

template <int Row, int Column>
inline void add(double* jac, double value) {
  jac[kSlot<Row, Column>] += value;
}

// Row += coefficient x the signal's gradient.
template <int Row, int... Columns>
inline void add(double* jac, double coefficient, const Gradient<Columns...>& signal) {
  std::size_t k = 0;
  ((jac[kSlot<Row, Columns>] += coefficient * signal.d[k++]), ...);
}

// The same additions for the four lodging sites (lung, liver, spleen, other), which enter alike.
template <int Row>
inline void add_viable(double* jac, double value) {
  add<Row, kMSC_lung>(jac, value), add<Row, kMSC_liver>(jac, value);
  add<Row, kMSC_spleen>(jac, value), add<Row, kMSC_other>(jac, value);
}

// d hill(x, K, n) / dx with K^n given.
inline double hill_slope(double x, double K_n, double n) {
  const double x_n = std::pow(x, n);
  return n * std::pow(x, n - 1.0) * K_n / sq(K_n + x_n);
}

}  // namespace detail

// d f / d y in the values of kPattern (kNonZeros of them). Infusion inputs do not depend on y.
[[gnu::noinline]] inline void hand_jacobian(const double* y, const Parameters& p, double* jac) {
  using detail::add, detail::add_viable, detail::sq;
  std::fill(jac, jac + kNonZeros, 0.0);
  const Signals s = compute_signals(y, p);
  const double vt = p.tissue, vl = p.lymph, vb = p.blood;
  const double ivt = p.inv_tissue, ivl = p.inv_lymph, ivb = p.inv_blood;

  // ---- signals: cytokines, d/d amount (state units)
  const double tnf_free_slope = -p.ada_block * s.tnf_free * s.tnf_free;  // d TNF_free_fraction / d ADA_c
  const double il6r_free_slope = -p.tcz_block * s.il6r_free * s.il6r_free;
  const TnfSignal d_tnf{{s.tnf_free / p.K_TNF * ivt, s.tnf / p.K_TNF * tnf_free_slope}};
  const Il6Signal d_il6{{s.il6r_free / p.K_IL6 * ivt, s.il6 / p.K_IL6 * il6r_free_slope}};
  const double d_il1 = ivt / p.K_IL1, d_ifn = ivt / p.K_IFN, d_il17 = ivt / p.K_IL17;
  const double d_il10 = ivt / p.K_IL10, d_tgf = ivt / p.K_TGF;
  const DangerSignal d_danger{{d_tnf.d[0], d_tnf.d[1], d_il1, d_ifn}};
  DangerSignal d_costim;
  for (std::size_t k = 0; k < 4; ++k) d_costim.d[k] = (1.0 - p.c_0) / sq(1.0 + s.danger) * d_danger.d[k];
  const double homing_slope = (1.0 - p.h0) / sq(1.0 + s.endothelial);
  const HomingSignal d_homing{{homing_slope * d_tnf.d[0], homing_slope * d_tnf.d[1], homing_slope * d_il1}};
  const double chemokine = (p.a_IL6_chemokine + s.s_IL6) / (1.0 + s.s_IL6);
  const double chemokine_slope = s.homing * (1.0 - p.a_IL6_chemokine) / sq(1.0 + s.s_IL6);
  const MonocyteSignal d_mono{{chemokine * d_homing.d[0], chemokine * d_homing.d[1],
                               chemokine * d_homing.d[2], chemokine_slope * d_il6.d[0],
                               chemokine_slope * d_il6.d[1]}};
  const double cascade_slope = (1.0 - p.a_cascade) / sq(1.0 + s.s_TNF);
  const TnfSignal d_cascade{{cascade_slope * d_tnf.d[0], cascade_slope * d_tnf.d[1]}};
  const double apc_sq = sq(s.apc_competition);
  const double d_fapc_other = -s.apc / apc_sq * ivt;
  const ApcSignal d_fapc{
      {(s.apc_competition - s.apc) / apc_sq * ivt, d_fapc_other, d_fapc_other, d_fapc_other, d_fapc_other}};
  const double d_fsupp = -s.f_supp * s.f_supp / p.K_supp * ivt;  // d f_supp / d Treg
  const double d_fil2 = p.K_IL2 / sq(s.il2 + p.K_IL2) * ivt;
  const double d_fdc = p.K_DC / sq(s.dc + p.K_DC) * ivl;
  const double d_fhelp = p.K_help / sq(s.help_cells + p.K_help) * ivb;  // per Th1_b and per Th17_b
  const double drive_slope = 1.0 / sq(1.0 + s.il6_il1);
  const Il6Il1Signal d_drive{{drive_slope * d_il6.d[0], drive_slope * d_il6.d[1], drive_slope * d_il1}};

  // ---- signals: drugs and MSCs
  const double pgl = y[kMTX_PG_long];
  const double d_mtx = p.rx_Emax_MTX * p.rx_EC50_MTX / sq(pgl + p.rx_EC50_MTX);
  const double d_gc = p.rx_Emax_GC * p.rx_IC50_GC / sq(y[kGC_e] + p.rx_IC50_GC);
  const double de_IDO = p.K_IDO / sq(y[kKyn] + p.K_IDO), de_PGE2 = p.K_PGE2 / sq(y[kPGE2] + p.K_PGE2);
  const double de_TGFb = p.K_TGFb / sq(y[kMscTGFb] + p.K_TGFb), de_TSG6 = p.K_TSG6 / sq(y[kTSG6] + p.K_TSG6);
  const double de_HLAG5 = p.K_HLAG5 / sq(y[kHLAG5] + p.K_HLAG5);
  const double de_effero = p.msc_use_efferocytosis * p.msc_K_effero / sq(y[kEffero] + p.msc_K_effero);
  // contact_equiv = prod_contact (lung + spleen) (unlic (1 - lic_frac) + lic_frac), lic_frac = lic / max(V, 1)
  const double floor_slope = s.viable > 1.0 ? 1.0 : 0.0;
  const double d_licfrac_viable = -y[kMSC_lic] / sq(s.viable_floor) * floor_slope;
  const double per_site = p.prod_contact * (p.unlic_contact * (1.0 - s.lic_frac) + s.lic_frac);
  const double per_licfrac = p.prod_contact * (y[kMSC_lung] + y[kMSC_spleen]) * (1.0 - p.unlic_contact);
  const double e_contact_slope = p.K_contact / sq(s.contact + p.K_contact);
  const double d_contact_other = e_contact_slope * per_licfrac * d_licfrac_viable;
  const ContactSignal d_econtact{{e_contact_slope * per_site + d_contact_other, d_contact_other,
                                  e_contact_slope * per_site + d_contact_other, d_contact_other,
                                  e_contact_slope * per_licfrac / s.viable_floor}};
  const double n_IDO = 1.0 - s.e_IDO, n_PGE2 = 1.0 - s.e_PGE2, n_TGFb = 1.0 - s.e_TGFb;
  const double n_TSG6 = 1.0 - s.e_TSG6, n_HLAG5 = 1.0 - s.e_HLAG5, n_contact = 1.0 - s.e_contact;
  const double n_effero = 1.0 - s.e_effero;
  const double mtx_T = 1.0 - p.w_MTX_T * s.mtx, gc_T = 1.0 - p.w_GC_T * s.gc;
  // T_inhibition_total = 1 - mtx_T gc_T (1 - msc_T), msc_T = Imax_T (1 - n_IDO n_PGE2 n_TGFb n_contact)
  TInhibition d_tinh;
  {
    const double k = mtx_T * gc_T * p.msc_Imax_T;
    d_tinh.d = {p.w_MTX_T * d_mtx * gc_T * (1.0 - s.msc_T),
                p.w_GC_T * d_gc * mtx_T * (1.0 - s.msc_T),
                k * n_PGE2 * n_TGFb * n_contact * de_IDO,
                k * n_IDO * n_TGFb * n_contact * de_PGE2,
                k * n_IDO * n_PGE2 * n_contact * de_TGFb,
                0.0,
                0.0,
                0.0,
                0.0,
                0.0};
    for (std::size_t j = 0; j < 5; ++j) d_tinh.d[5 + j] = k * n_IDO * n_PGE2 * n_TGFb * d_econtact.d[j];
  }
  // B_inhibition_total = 1 - mtx_T (1 - msc_B), msc_B = B_max (1 - n_IDO n_PGE2 n_contact)
  BInhibition d_binh;
  {
    const double k = mtx_T * p.B_max;
    d_binh.d = {p.w_MTX_T * d_mtx * (1.0 - s.msc_B),
                k * n_PGE2 * n_contact * de_IDO,
                k * n_IDO * n_contact * de_PGE2,
                0.0,
                0.0,
                0.0,
                0.0,
                0.0};
    for (std::size_t j = 0; j < 5; ++j) d_binh.d[3 + j] = k * n_IDO * n_PGE2 * d_econtact.d[j];
  }
  // cytokine_inhibition_total = 1 - (1 - gc) (1 - w_MTX_cyt mtx) (1 - msc_cyt), msc_cyt = Imax_cyt (1 - n_TSG6 n_PGE2)
  CytokineInhibition d_cyt;
  {
    const double gc_free = 1.0 - s.gc, mtx_free = 1.0 - p.w_MTX_cyt * s.mtx, msc_free = 1.0 - s.msc_cyt;
    const double k = gc_free * mtx_free * p.msc_Imax_cyt;
    d_cyt.d = {d_gc * mtx_free * msc_free, p.w_MTX_cyt * d_mtx * gc_free * msc_free, k * n_PGE2 * de_TSG6,
               k * n_TSG6 * de_PGE2};
  }
  SecretionSignal d_secretion;  // secretion = (1 - cytokine_inhibition) / (1 + s_IL10)
  for (std::size_t k = 0; k < 4; ++k) d_secretion.d[k] = -d_cyt.d[k] / (1.0 + s.s_IL10);
  d_secretion.d[4] = -s.secretion / (1.0 + s.s_IL10) * d_il10;
  const double bb = p.Bmax_Treg_eff;
  const BoostSignal d_boost{
      {bb * n_PGE2 * n_HLAG5 * n_effero * de_TGFb, bb * n_TGFb * n_HLAG5 * n_effero * de_PGE2,
       bb * n_TGFb * n_PGE2 * n_effero * de_HLAG5, bb * n_TGFb * n_PGE2 * n_HLAG5 * de_effero}};
  const M2ShiftSignal d_m2shift{{p.M2max * n_PGE2 * n_TSG6 * de_effero, p.M2max * n_effero * n_TSG6 * de_PGE2,
                                 p.M2max * n_effero * n_PGE2 * de_TSG6}};
  const double ink = p.msc_Imax_NK;
  const NkSignal d_nkinh{
      {ink * n_IDO * n_HLAG5 * de_PGE2, ink * n_PGE2 * n_HLAG5 * de_IDO, ink * n_PGE2 * n_IDO * de_HLAG5}};

  // ---- polarisation of primed CD4+ cells: w_Th1, w_Th17, w_iTreg and the fractions
  Polarisation d_w1, d_w17, d_wi;
  {
    const double w17_drive = 1.0 + 4.0 * s.th17_drive;
    for (std::size_t k = 0; k < 4; ++k) {
      d_w1.d[k] = p.b_Th1 * (1.0 + s.s_IFN) * d_costim.d[k];
      d_w17.d[k] = p.b_Th17 * w17_drive * d_costim.d[k];
    }
    d_w1.d[3] += p.b_Th1 * s.costim * d_ifn;
    const double k17 = p.b_Th17 * s.costim * 4.0;
    d_w17.d[4] += k17 * d_drive.d[0], d_w17.d[5] += k17 * d_drive.d[1], d_w17.d[2] += k17 * d_drive.d[2];
    const double il6_block = 1.0 + 4.0 * s.s_IL6;
    const double per_boost = p.b_iTreg * (1.0 + s.s_TGF) / il6_block;
    d_wi.d[4] = -s.w_iTreg * 4.0 / il6_block * d_il6.d[0];
    d_wi.d[5] = -s.w_iTreg * 4.0 / il6_block * d_il6.d[1];
    d_wi.d[6] = p.b_iTreg * (1.0 + s.boost) / il6_block * d_tgf;
    for (std::size_t k = 0; k < 4; ++k) d_wi.d[7 + k] = per_boost * d_boost.d[k];
  }
  Polarisation d_frac1, d_frac17, d_fraci, d_fm1;
  {
    const double w_mem = s.w_Th1 + s.w_Th17;
    for (std::size_t k = 0; k < d_w1.d.size(); ++k) {
      const double d_sum = d_w1.d[k] + d_w17.d[k] + d_wi.d[k];
      d_frac1.d[k] = (d_w1.d[k] - s.frac_Th1 * d_sum) / s.w_sum;
      d_frac17.d[k] = (d_w17.d[k] - s.frac_Th17 * d_sum) / s.w_sum;
      d_fraci.d[k] = (d_wi.d[k] - s.frac_iTreg * d_sum) / s.w_sum;
      d_fm1.d[k] = (d_w1.d[k] - s.frac_mem_Th1 * (d_w1.d[k] + d_w17.d[k])) / w_mem;
    }
  }
  // Th17 -> Treg conversion: conv = k_conv (1 + boost) s_TGF / (1 + s_TGF) / (1 + s_IL6)
  ConversionSignal d_conv;
  {
    const double tgf_share = s.s_TGF / (1.0 + s.s_TGF);
    for (std::size_t k = 0; k < 4; ++k) d_conv.d[k] = p.k_conv * tgf_share / (1.0 + s.s_IL6) * d_boost.d[k];
    d_conv.d[4] = p.k_conv * (1.0 + s.boost) / sq(1.0 + s.s_TGF) / (1.0 + s.s_IL6) * d_tgf;
    d_conv.d[5] = -s.conv / (1.0 + s.s_IL6) * d_il6.d[0];
    d_conv.d[6] = -s.conv / (1.0 + s.s_IL6) * d_il6.d[1];
  }
  // FLS_activation and FLS_active_share
  FlsSignal d_act, d_share;
  {
    const double tnf_il1 = s.s_TNF + s.s_IL1, il6_factor = (p.a_IL6_FLS + s.s_IL6) / (1.0 + s.s_IL6);
    const double per_tnf_il1 = (1.0 + s.s_IL17) * il6_factor / p.K_FLS_act;
    const double per_il17 = tnf_il1 * il6_factor / p.K_FLS_act;
    const double per_il6 = tnf_il1 * (1.0 + s.s_IL17) * (1.0 - p.a_IL6_FLS) / sq(1.0 + s.s_IL6) / p.K_FLS_act;
    d_act.d = {per_tnf_il1 * d_tnf.d[0],
               per_tnf_il1 * d_tnf.d[1],
               per_tnf_il1 * d_il1,
               per_il17 * d_il17,
               per_il6 * d_il6.d[0],
               per_il6 * d_il6.d[1],
               0.0};
    const double per_act = (1.0 - s.imprinted) / sq(1.0 + s.fls_activation);
    for (std::size_t k = 0; k < 6; ++k) d_share.d[k] = per_act * d_act.d[k];
    d_share.d[6] = p.imprint_per_memory * (1.0 - s.fls_activation / (1.0 + s.fls_activation));
  }

  // ---- immune core, tissue
  {  // APC
    const double antigen_share = s.antigen / (1.0 + s.antigen);
    const double danger_share = (p.a_APC0 + s.danger) / (1.0 + s.danger);
    const double il10_block = 1.0 / (1.0 + s.s_IL10);
    const double k = p.k_APC * p.APC_max * vt;
    const double d_antigen = p.ag_damage_max * p.K_damage_ag / sq(y[kDamage] + p.K_damage_ag);
    add<kAPC, kDamage>(jac, k * danger_share * il10_block / sq(1.0 + s.antigen) * d_antigen);
    add<kAPC>(jac, k * antigen_share * il10_block * (1.0 - p.a_APC0) / sq(1.0 + s.danger), d_danger);
    add<kAPC, kIL10>(jac, -k * antigen_share * danger_share * il10_block * il10_block * d_il10);
    add<kAPC, kAPC>(jac, -p.k_mig - p.d_APC);
  }
  {  // M1 and M2: recruitment, repolarisation, death
    const double recruit = p.k_recruit * p.Mono * vb;
    const double ifn_block = 1.0 / (1.0 + s.s_IFN);
    add<kM1>(jac, recruit * ifn_block * (p.m1_0 + s.s_IFN), d_mono);
    add<kM2>(jac, recruit * ifn_block * (1.0 - p.m1_0), d_mono);
    const double d_ifn_recruit = recruit * s.mono_homing * (1.0 - p.m1_0) * ifn_block * ifn_block * d_ifn;
    const double d_ifn_to_m1 = p.k_21 * y[kM2] * ifn_block * ifn_block * d_ifn;
    add<kM1, kIFNg>(jac, d_ifn_recruit + d_ifn_to_m1);
    add<kM2, kIFNg>(jac, -d_ifn_recruit - d_ifn_to_m1);
    const double repolarising = s.s_IL10 + s.s_TGF;
    const double to_m2 = p.k_12 * repolarising / (1.0 + repolarising) + s.m2_shift;
    const double d_repol = p.k_12 * y[kM1] / sq(1.0 + repolarising);
    const double to_m1 = p.k_21 * s.s_IFN * ifn_block;
    add<kM1, kM1>(jac, -to_m2 - p.d_mac), add<kM2, kM1>(jac, to_m2);
    add<kM1, kM2>(jac, to_m1), add<kM2, kM2>(jac, -to_m1 - p.d_mac);
    add<kM1, kIL10>(jac, -d_repol * d_il10), add<kM2, kIL10>(jac, d_repol * d_il10);
    add<kM1, kTGFb>(jac, -d_repol * d_tgf), add<kM2, kTGFb>(jac, d_repol * d_tgf);
    add<kM1>(jac, -y[kM1], d_m2shift), add<kM2>(jac, y[kM1], d_m2shift);
  }
  const double t_free = 1.0 - s.t_inh;
  const double homing_rate = p.k_home * s.homing;
  {  // effector T cells: k_prolif f_APC f_IL2 f_supp (1 - T_inhibition) per cell (Th17: times th17_drive)
    const double prolif = p.k_prolif * s.f_APC * s.f_IL2 * s.f_supp * t_free;
    const double per_fapc = p.k_prolif * s.f_IL2 * s.f_supp * t_free;
    const double per_fil2 = p.k_prolif * s.f_APC * s.f_supp * t_free;
    const double per_fsupp = p.k_prolif * s.f_APC * s.f_IL2 * t_free;
    const double per_tinh = -p.k_prolif * s.f_APC * s.f_IL2 * s.f_supp;
    const double th1 = y[kTh1], cd8 = y[kCD8], th17 = y[kTh17] * s.th17_drive;
    add<kTh1, kTh1>(jac, prolif - p.d_eff - p.k_mem), add<kTh1, kTh1_b>(jac, homing_rate);
    add<kTh1>(jac, p.k_home * y[kTh1_b], d_homing);
    add<kTh1>(jac, per_fapc * th1, d_fapc), add<kTh1, kIL2>(jac, per_fil2 * th1 * d_fil2);
    add<kTh1, kTreg>(jac, per_fsupp * th1 * d_fsupp), add<kTh1>(jac, per_tinh * th1, d_tinh);
    add<kCD8, kCD8>(jac, prolif - p.d_eff), add<kCD8, kCD8_b>(jac, homing_rate);
    add<kCD8>(jac, p.k_home * y[kCD8_b], d_homing);
    add<kCD8>(jac, per_fapc * cd8, d_fapc), add<kCD8, kIL2>(jac, per_fil2 * cd8 * d_fil2);
    add<kCD8, kTreg>(jac, per_fsupp * cd8 * d_fsupp), add<kCD8>(jac, per_tinh * cd8, d_tinh);
    add<kTh17, kTh17>(jac, prolif * s.th17_drive - p.d_eff - p.k_mem - s.conv);
    add<kTh17, kTh17_b>(jac, homing_rate), add<kTh17>(jac, p.k_home * y[kTh17_b], d_homing);
    add<kTh17>(jac, per_fapc * th17, d_fapc), add<kTh17, kIL2>(jac, per_fil2 * th17 * d_fil2);
    add<kTh17, kTreg>(jac, per_fsupp * th17 * d_fsupp), add<kTh17>(jac, per_tinh * th17, d_tinh);
    add<kTh17>(jac, prolif * y[kTh17], d_drive);
    add<kTh17>(jac, -y[kTh17], d_conv);
  }
  {  // Treg
    add<kTreg, kTreg_b>(jac, homing_rate), add<kTreg>(jac, p.k_home * y[kTreg_b], d_homing);
    add<kTreg, kTh17>(jac, s.conv), add<kTreg>(jac, y[kTh17], d_conv);
    const double destab_share = s.s_IL6 / (1.0 + s.s_IL6);
    add<kTreg, kTreg>(jac, p.k_Treg_prolif * s.f_IL2 * s.f_APC - p.d_Treg - p.k_destab * destab_share);
    add<kTreg>(jac, p.k_Treg_prolif * s.f_IL2 * y[kTreg], d_fapc);
    add<kTreg, kIL2>(jac, p.k_Treg_prolif * s.f_APC * y[kTreg] * d_fil2);
    add<kTreg>(jac, -p.k_destab * y[kTreg] / sq(1.0 + s.s_IL6), d_il6);
  }
  add<kNK>(jac, p.k_NK_home * p.NK_blood * vb, d_homing), add<kNK, kNK>(jac, -p.d_NK);
  {  // cytokines
    const double t_effectors = s.th1 + s.cd8;
    const double tnf_made = p.p_TNF_M1 * s.m1 + p.p_TNF_T * t_effectors * s.f_supp;
    add<kTNF, kM1>(jac, p.p_TNF_M1 * s.secretion);
    add<kTNF, kTh1>(jac, p.p_TNF_T * s.f_supp * s.secretion),
        add<kTNF, kCD8>(jac, p.p_TNF_T * s.f_supp * s.secretion);
    add<kTNF, kTreg>(jac, p.p_TNF_T * t_effectors * s.secretion * vt * d_fsupp);
    add<kTNF>(jac, tnf_made * vt, d_secretion), add<kTNF, kTNF>(jac, -p.k_TNF);

    const double fls_excess = s.fls - p.FLS_rest;
    add<kIL6, kM1>(jac, p.p_IL6_M1 * s.cascade * s.secretion);
    add<kIL6>(jac, p.p_IL6_M1 * s.m1 * s.secretion * vt, d_cascade);
    add<kIL6>(jac, (p.p_IL6_M1 * s.m1 * s.cascade + p.p_IL6_FLS * fls_excess * s.active_share) * vt,
              d_secretion);
    add<kIL6, kFLS>(jac, p.p_IL6_FLS * s.active_share * s.secretion);
    add<kIL6>(jac, p.p_IL6_FLS * fls_excess * s.secretion * vt, d_share), add<kIL6, kIL6>(jac, -p.k_IL6);

    add<kIL1b, kM1>(jac, p.p_IL1_M1 * s.cascade * s.secretion);
    add<kIL1b>(jac, p.p_IL1_M1 * s.m1 * s.secretion * vt, d_cascade);
    add<kIL1b>(jac, p.p_IL1_M1 * s.m1 * s.cascade * vt, d_secretion), add<kIL1b, kIL1b>(jac, -p.k_IL1);

    const double ifn_made = p.p_IFN_T * t_effectors * s.f_supp + p.p_IFN_NK * s.nk * (1.0 - s.nk_inh);
    add<kIFNg, kTh1>(jac, p.p_IFN_T * s.f_supp * s.secretion),
        add<kIFNg, kCD8>(jac, p.p_IFN_T * s.f_supp * s.secretion);
    add<kIFNg, kTreg>(jac, p.p_IFN_T * t_effectors * s.secretion * vt * d_fsupp);
    add<kIFNg, kNK>(jac, p.p_IFN_NK * (1.0 - s.nk_inh) * s.secretion);
    add<kIFNg>(jac, -p.p_IFN_NK * s.nk * s.secretion * vt, d_nkinh);
    add<kIFNg>(jac, ifn_made * vt, d_secretion), add<kIFNg, kIFNg>(jac, -p.k_IFN);

    add<kIL17, kTh17>(jac, p.p_IL17 * s.f_supp * s.secretion);
    add<kIL17, kTreg>(jac, p.p_IL17 * s.th17 * s.secretion * vt * d_fsupp);
    add<kIL17>(jac, p.p_IL17 * s.th17 * s.f_supp * vt, d_secretion), add<kIL17, kIL17>(jac, -p.k_IL17);

    add<kIL10, kM2>(jac, p.p_IL10_M2), add<kIL10, kTreg>(jac, p.p_IL10_Treg),
        add<kIL10, kIL10>(jac, -p.k_IL10);
    add<kTGFb, kM2>(jac, p.p_TGF_M2), add<kTGFb, kTreg>(jac, p.p_TGF_Treg), add<kTGFb, kTGFb>(jac, -p.k_TGF);

    const double cyt_free = 1.0 - s.cyt_inh, helpers = s.th1 + s.th17;
    add<kIL2, kTh1>(jac, p.p_IL2 * s.f_supp * cyt_free), add<kIL2, kTh17>(jac, p.p_IL2 * s.f_supp * cyt_free);
    add<kIL2, kTreg>(jac, p.p_IL2 * helpers * cyt_free * vt * d_fsupp - p.k_IL2_use * s.il2);
    add<kIL2>(jac, -p.p_IL2 * helpers * s.f_supp * vt, d_cyt);
    add<kIL2, kIL2>(jac, -(p.k_IL2 + p.k_IL2_use * s.treg));
  }

  // ---- lymph node: priming N DC / (K_DC + DC + N) of naive and memory cells
  const double sat_denominator = sq(p.K_DC + s.dc + s.n4), react_denominator = sq(p.K_DC + s.dc + s.mem4);
  const double d_prime_n4 = s.dc * (p.K_DC + s.dc) / sat_denominator * ivl;
  const double d_prime_dc = s.n4 * (p.K_DC + s.n4) / sat_denominator * ivl;
  const double d_react_mem4 = s.dc * (p.K_DC + s.dc) / react_denominator * ivl;
  const double d_react_dc = s.mem4 * (p.K_DC + s.mem4) / react_denominator * ivl;
  const double n8_denominator = sq(p.K_DC + s.dc + s.n8);
  const double d_prime8_n8 = s.dc * (p.K_DC + s.dc) / n8_denominator * ivl;
  const double d_prime8_dc = s.n8 * (p.K_DC + s.n8) / n8_denominator * ivl;
  add<kDC, kAPC>(jac, p.k_mig), add<kDC, kDC>(jac, -p.d_DC);
  add<kN4, kN4>(jac, -p.d_N4 - p.k_prime * t_free * vl * d_prime_n4);
  add<kN4, kDC>(jac, -p.k_prime * t_free * vl * d_prime_dc);
  add<kN4>(jac, p.k_prime * s.prime_sat * vl, d_tinh);
  add<kN8, kN8>(jac, -p.d_N8 - p.k_prime8 * t_free * vl * d_prime8_n8);
  add<kN8, kDC>(jac, -p.k_prime8 * t_free * vl * d_prime8_dc);
  add<kN8>(jac, p.k_prime8 * s.prime8_sat * vl, d_tinh);
  add<kMem4, kMem4>(jac, -p.d_mem - p.k_mreact * t_free * vl * d_react_mem4);
  add<kMem4, kDC>(jac, -p.k_mreact * t_free * vl * d_react_dc);
  add<kMem4, kTh1>(jac, p.k_mem), add<kMem4, kTh17>(jac, p.k_mem);
  add<kMem4>(jac, p.k_mreact * s.react_sat * vl, d_tinh);
  {  // B cells and plasma cells
    const double b_free = 1.0 - s.b_inh;
    const double activation = p.k_Bact * s.f_DC * s.f_help * b_free;  // per Bn
    const double d_act_dc = p.k_Bact * s.f_help * b_free * y[kBn] * d_fdc;
    const double d_act_help = p.k_Bact * s.f_DC * b_free * y[kBn] * d_fhelp;
    const double d_act_binh = -p.k_Bact * s.f_DC * s.f_help * y[kBn];
    add<kBn, kBn>(jac, -p.d_Bn - activation), add<kBn, kDC>(jac, -d_act_dc);
    add<kBn, kTh1_b>(jac, -d_act_help), add<kBn, kTh17_b>(jac, -d_act_help),
        add<kBn>(jac, -d_act_binh, d_binh);
    add<kBact, kBn>(jac, activation), add<kBact, kDC>(jac, d_act_dc);
    add<kBact>(jac, d_act_binh, d_binh);
    const double prolif = p.k_Bprolif * s.f_help * b_free * t_free;  // per Bact
    const double d_prolif_help = p.k_Bprolif * b_free * t_free * y[kBact] * d_fhelp;
    add<kBact, kTh1_b>(jac, d_act_help + d_prolif_help), add<kBact, kTh17_b>(jac, d_act_help + d_prolif_help);
    add<kBact>(jac, -p.k_Bprolif * s.f_help * t_free * y[kBact], d_binh);
    add<kBact>(jac, -p.k_Bprolif * s.f_help * b_free * y[kBact], d_tinh);
    const double il6_factor = (1.0 + s.s_IL6) / (2.0 + s.s_IL6);
    const double differentiation = p.k_PC * b_free * il6_factor;  // per Bact, to both plasma cell pools
    const double d_diff_binh = -p.k_PC * il6_factor * y[kBact];
    const double d_diff_il6 = p.k_PC * b_free * y[kBact] / sq(2.0 + s.s_IL6);
    add<kBact, kBact>(jac, prolif - p.d_Bact - differentiation);
    add<kBact>(jac, -d_diff_binh, d_binh), add<kBact>(jac, -d_diff_il6, d_il6);
    const double to_pcs = 1.0 - p.f_PCl, to_pcl = p.f_PCl;
    add<kPCs, kBact>(jac, to_pcs * differentiation), add<kPCs>(jac, to_pcs * d_diff_binh, d_binh);
    add<kPCs>(jac, to_pcs * d_diff_il6, d_il6), add<kPCs, kPCs>(jac, -p.d_PCs);
    add<kPCl, kBact>(jac, to_pcl * differentiation), add<kPCl>(jac, to_pcl * d_diff_binh, d_binh);
    add<kPCl>(jac, to_pcl * d_diff_il6, d_il6), add<kPCl, kPCl>(jac, -p.d_PCl);
  }

  // ---- blood: effector output from the node (into blood: burst x priming x lymph / blood x blood), homing
  {
    const double to_blood = p.lymph_per_blood * vb;
    const double primary = p.burst * s.priming * to_blood, memory = p.burst_mem * s.reactivation * to_blood;
    const double d_primary_n4 = p.burst * p.k_prime * t_free * to_blood * d_prime_n4;
    const double d_primary_dc = p.burst * p.k_prime * t_free * to_blood * d_prime_dc;
    const double d_primary_tinh = -p.burst * p.k_prime * s.prime_sat * to_blood;
    const double d_memory_mem4 = p.burst_mem * p.k_mreact * t_free * to_blood * d_react_mem4;
    const double d_memory_dc = p.burst_mem * p.k_mreact * t_free * to_blood * d_react_dc;
    const double d_memory_tinh = -p.burst_mem * p.k_mreact * s.react_sat * to_blood;
    const double blood_loss = homing_rate + p.d_blood;
    const double mem_th17 = 1.0 - s.frac_mem_Th1;

    add<kTh1_b, kN4>(jac, s.frac_Th1 * d_primary_n4), add<kTh1_b, kMem4>(jac, s.frac_mem_Th1 * d_memory_mem4);
    add<kTh1_b, kDC>(jac, s.frac_Th1 * d_primary_dc + s.frac_mem_Th1 * d_memory_dc);
    add<kTh1_b>(jac, s.frac_Th1 * d_primary_tinh + s.frac_mem_Th1 * d_memory_tinh, d_tinh);
    add<kTh1_b>(jac, primary, d_frac1), add<kTh1_b>(jac, memory, d_fm1);
    add<kTh1_b>(jac, -p.k_home * y[kTh1_b], d_homing), add<kTh1_b, kTh1_b>(jac, -blood_loss);

    add<kTh17_b, kN4>(jac, s.frac_Th17 * d_primary_n4), add<kTh17_b, kMem4>(jac, mem_th17 * d_memory_mem4);
    add<kTh17_b, kDC>(jac, s.frac_Th17 * d_primary_dc + mem_th17 * d_memory_dc);
    add<kTh17_b>(jac, s.frac_Th17 * d_primary_tinh + mem_th17 * d_memory_tinh, d_tinh);
    add<kTh17_b>(jac, primary, d_frac17), add<kTh17_b>(jac, -memory, d_fm1);
    add<kTh17_b>(jac, -p.k_home * y[kTh17_b], d_homing), add<kTh17_b, kTh17_b>(jac, -blood_loss);

    add<kTreg_b, kN4>(jac, s.frac_iTreg * d_primary_n4), add<kTreg_b, kDC>(jac, s.frac_iTreg * d_primary_dc);
    add<kTreg_b>(jac, s.frac_iTreg * d_primary_tinh, d_tinh), add<kTreg_b>(jac, primary, d_fraci);
    add<kTreg_b>(jac, -p.k_home * y[kTreg_b], d_homing), add<kTreg_b, kTreg_b>(jac, -blood_loss);

    const double cd8_out = p.burst * p.k_prime8 * vl;  // x prime8_sat costim (1 - T_inhibition)
    add<kCD8_b, kN8>(jac, cd8_out * s.costim * t_free * d_prime8_n8);
    add<kCD8_b, kDC>(jac, cd8_out * s.costim * t_free * d_prime8_dc);
    add<kCD8_b>(jac, cd8_out * s.prime8_sat * t_free, d_costim);
    add<kCD8_b>(jac, -cd8_out * s.prime8_sat * s.costim, d_tinh);
    add<kCD8_b>(jac, -p.k_home * y[kCD8_b], d_homing), add<kCD8_b, kCD8_b>(jac, -blood_loss);

    const double per_plasma_cell = to_blood * ivl;  // d (PCs lymph / blood) blood / d PCs amount
    add<kRF, kPCs>(jac, p.p_RF * per_plasma_cell), add<kRF, kPCl>(jac, p.p_RF * per_plasma_cell);
    add<kRF, kRF>(jac, -p.k_RF);
    add<kACPA, kPCs>(jac, p.p_ACPA * per_plasma_cell), add<kACPA, kPCl>(jac, p.p_ACPA * per_plasma_cell);
    add<kACPA, kACPA>(jac, -p.k_ACPA);
  }

  // ---- therapies
  {
    const double km_gut = p.rx_Km_MTX_abs + y[kMTX_gut];
    const double d_absorption = p.rx_Vmax_MTX_abs * p.rx_Km_MTX_abs / (km_gut * km_gut);
    add<kMTX_gut, kMTX_gut>(jac, -d_absorption - p.rx_k_MTX_transit);
    add<kMTX_sc, kMTX_sc>(jac, -p.rx_ka_MTX_sc);
    add<kMTX_c, kMTX_gut>(jac, d_absorption), add<kMTX_c, kMTX_sc>(jac, p.rx_ka_MTX_sc);
    add<kMTX_c, kMTX_c>(jac, -p.rx_CL_MTX / p.rx_V_MTX);
    add<kMTX_PG_short, kMTX_c>(jac, p.rx_k_MTX_PG * p.mtx_conc_per_mg);
    add<kMTX_PG_short, kMTX_PG_short>(jac, -p.rx_k_MTX_PG);
    add<kMTX_PG_long, kMTX_PG_short>(jac, p.rx_k_MTX_PG),
        add<kMTX_PG_long, kMTX_PG_long>(jac, -p.rx_k_MTX_PG);
    add<kADA_sc, kADA_sc>(jac, -p.rx_F_ADA * p.rx_ka_ADA - (1.0 - p.rx_F_ADA) * p.rx_ka_ADA);
    add<kADA_c, kADA_sc>(jac, p.rx_F_ADA * p.rx_ka_ADA);
    const double ec_pgl = pgl + p.rx_EC50_MTX_ADA;
    const double cl_ada = p.rx_CL_ADA * (1.0 - p.rx_Imax_MTX_ADA * pgl / ec_pgl);
    add<kADA_c, kADA_c>(jac, -cl_ada / p.rx_V_ADA);
    add<kADA_c, kMTX_PG_long>(jac, p.rx_CL_ADA * p.rx_Imax_MTX_ADA * p.rx_EC50_MTX_ADA / (ec_pgl * ec_pgl) *
                                       y[kADA_c] / p.rx_V_ADA);
    const double c_tcz = y[kTCZ_c] / p.rx_V1_TCZ;
    add<kTCZ_c, kTCZ_sc>(jac, p.rx_F_TCZ_sc * p.rx_ka_TCZ_sc);
    add<kTCZ_c, kTCZ_c>(jac, -p.tcz_linear -
                                 p.rx_Vmax_TCZ * p.rx_Km_TCZ / sq(p.rx_Km_TCZ + c_tcz) / p.rx_V1_TCZ -
                                 p.rx_Q_TCZ / p.rx_V1_TCZ);
    add<kTCZ_c, kTCZ_p>(jac, p.rx_Q_TCZ / p.rx_V2_TCZ);
    add<kTCZ_p, kTCZ_c>(jac, p.rx_Q_TCZ / p.rx_V1_TCZ), add<kTCZ_p, kTCZ_p>(jac, -p.rx_Q_TCZ / p.rx_V2_TCZ);
    add<kTCZ_sc, kTCZ_sc>(jac, -p.rx_F_TCZ_sc * p.rx_ka_TCZ_sc - (1.0 - p.rx_F_TCZ_sc) * p.rx_ka_TCZ_sc);
    add<kGC_gut, kGC_gut>(jac, -p.rx_F_GC * p.rx_ka_GC - (1.0 - p.rx_F_GC) * p.rx_ka_GC);
    add<kGC_c, kGC_gut>(jac, p.rx_F_GC * p.rx_ka_GC), add<kGC_c, kGC_c>(jac, -p.gc_elimination);
    add<kGC_e, kGC_c>(jac, p.rx_ke0_GC * p.gc_conc_per_mg), add<kGC_e, kGC_e>(jac, -p.rx_ke0_GC);
    add<kGC_dose_avg, kGC_gut>(jac, p.rx_ka_GC / p.rx_tau_GC_avg);
    add<kGC_dose_avg, kGC_dose_avg>(jac, -1.0 / p.rx_tau_GC_avg);
    add<kPlacebo_state, kPlacebo>(jac, y[kPlacebo] < 1.0 ? p.rx_k_placebo : 0.0);
    add<kPlacebo_state, kPlacebo_state>(jac, -p.rx_k_placebo);
  }

  // ---- rheumatoid arthritis
  {
    add<kFLS>(jac, p.k_FLS * p.FLS_gain * vt, d_share), add<kFLS, kFLS>(jac, -p.k_FLS);
    const double pannus_sq = s.pannus * s.pannus, pannus_cube = pannus_sq * s.pannus;
    add<kDamage, kFLS>(jac, p.k_damage * p.K_pannus_damage_cube * 3.0 * pannus_sq /
                                sq(pannus_cube + p.K_pannus_damage_cube) / p.FLS_gain * ivt);
    // IL6_plasma_available = (IL6_plasma_0 + f_IL6_spill IL6) IL6R_free_fraction; liver signal = that / EC50
    const Il6Signal d_available{
        {p.f_IL6_spill * ivt * s.il6r_free, (p.IL6_plasma_0 + p.f_IL6_spill * s.il6) * il6r_free_slope}};
    const double per_signal = 1.0 / p.EC50_IL6_CRP;
    const double crp_slope = p.k_CRP * p.CRP_max * vb * 1.5 * std::pow(s.liver_signal, 0.5) /
                             sq(1.0 + s.liver_signal_15) * per_signal;
    add<kCRP>(jac, crp_slope, d_available), add<kCRP, kCRP>(jac, -p.k_CRP);
    const double liver_slope = 1.0 / sq(1.0 + s.liver_signal) * per_signal;
    const double fib_slope =
        p.k_Fib * vb *
        (p.Fib_basal * p.EC50_IL6_Fib_basal / sq(p.EC50_IL6_Fib_basal + s.il6_available) +
         p.Fib_gain * liver_slope);
    add<kFibrinogen>(jac, fib_slope, d_available), add<kFibrinogen, kFibrinogen>(jac, -p.k_Fib);
    add<kGlobulin>(jac, p.k_Glob * vb * p.Glob_gain * liver_slope, d_available);
    add<kGlobulin, kGlobulin>(jac, -p.k_Glob);
    add<kCRP_burden, kCRP>(jac, s.crp - p.CRP_0 > 0.0 ? ivb : 0.0);
    const double act_sq = s.fls_activation * s.fls_activation;
    const double memory_slope =
        p.fls_memory_rate * 2.0 * s.fls_activation * p.K_FLS_memory_sq / sq(act_sq + p.K_FLS_memory_sq);
    add<kFLS_memory>(jac, memory_slope, d_act), add<kFLS_memory, kFLS_memory>(jac, -p.fls_memory_rate);
  }

  // ---- MSCs
  {
    const double k_lodge = p.msc_k_lodge,
                 death_slope = p.msc_k_apo * p.msc_allo_fold;  // d k_death / d Allo_R
    add<kMSC_blood, kMSC_blood>(jac,
                                -k_lodge * (p.f_lung_eff + p.f_liver_eff + p.f_spleen_eff + p.f_other_eff));
    add<kMSC_lung, kMSC_blood>(jac, k_lodge * p.f_lung_eff),
        add<kMSC_liver, kMSC_blood>(jac, k_lodge * p.f_liver_eff);
    add<kMSC_spleen, kMSC_blood>(jac, k_lodge * p.f_spleen_eff);
    add<kMSC_other, kMSC_blood>(jac, k_lodge * p.f_other_eff);
    add<kMSC_lung, kMSC_lung>(jac, -s.k_death), add<kMSC_liver, kMSC_liver>(jac, -s.k_death);
    add<kMSC_spleen, kMSC_spleen>(jac, -s.k_death), add<kMSC_other, kMSC_other>(jac, -s.k_death);
    add<kMSC_lung, kAllo_R>(jac, -death_slope * y[kMSC_lung]),
        add<kMSC_liver, kAllo_R>(jac, -death_slope * y[kMSC_liver]);
    add<kMSC_spleen, kAllo_R>(jac, -death_slope * y[kMSC_spleen]);
    add<kMSC_other, kAllo_R>(jac, -death_slope * y[kMSC_other]);
    add<kApo_lung, kMSC_lung>(jac, s.k_death), add<kApo_liver, kMSC_liver>(jac, s.k_death);
    add<kApo_spleen, kMSC_spleen>(jac, s.k_death), add<kApo_other, kMSC_other>(jac, s.k_death);
    add<kApo_lung, kAllo_R>(jac, death_slope * y[kMSC_lung]),
        add<kApo_liver, kAllo_R>(jac, death_slope * y[kMSC_liver]);
    add<kApo_spleen, kAllo_R>(jac, death_slope * y[kMSC_spleen]);
    add<kApo_other, kAllo_R>(jac, death_slope * y[kMSC_other]);
    const double k_eng = p.msc_k_eng;
    add<kApo_lung, kApo_lung>(jac, -k_eng), add<kApo_liver, kApo_liver>(jac, -k_eng);
    add<kApo_spleen, kApo_spleen>(jac, -k_eng), add<kApo_other, kApo_other>(jac, -k_eng);
    add<kLab_lung, kApo_lung>(jac, k_eng), add<kLab_liver, kApo_liver>(jac, k_eng);
    add<kLab_spleen, kApo_spleen>(jac, k_eng), add<kLab_other, kApo_other>(jac, k_eng);
    const double to_spleen = p.msc_s_spleen, to_liver = 1.0 - p.msc_s_spleen;
    const double lung_out = p.msc_k_mig_lung, other_out = p.msc_k_mig_other;
    add<kLab_lung, kLab_lung>(jac, -lung_out * to_liver - lung_out * to_spleen);
    add<kLab_other, kLab_other>(jac, -other_out * to_liver - other_out * to_spleen);
    add<kLab_liver, kLab_lung>(jac, lung_out * to_liver),
        add<kLab_liver, kLab_other>(jac, other_out * to_liver);
    add<kLab_spleen, kLab_lung>(jac, lung_out * to_spleen),
        add<kLab_spleen, kLab_other>(jac, other_out * to_spleen);
    add<kLodged_cum, kMSC_blood>(jac, k_lodge);
    add<kCleared_cum, kApo_lung>(jac, k_eng), add<kCleared_cum, kApo_liver>(jac, k_eng);
    add<kCleared_cum, kApo_spleen>(jac, k_eng), add<kCleared_cum, kApo_other>(jac, k_eng);
    add<kEffero, kApo_lung>(jac, k_eng), add<kEffero, kApo_liver>(jac, k_eng);
    add<kEffero, kApo_spleen>(jac, k_eng), add<kEffero, kApo_other>(jac, k_eng);
    add<kEffero, kEffero>(jac, -p.msc_k_mem);

    // licensing: min(1, lic_sens h_IFNg (w + (1 - w) h_co)), h_co = 1 - (1 - h_TNF) (1 - h_IL1b)
    const double lic = y[kMSC_lic], hla2 = y[kMSC_hla2];
    const double n = p.msc_n_hill, w = p.msc_w_IFNg_alone;
    const double d_hifng = detail::hill_slope(s.ifng_plasma, p.EC50_IFNg_n, n) * p.f_IFNg_spill * ivt;
    const double d_htnf = detail::hill_slope(s.tnf_plasma, p.EC50_TNF_n, n) * p.f_TNF_spill * ivt;
    const double d_hil1b = detail::hill_slope(s.il1b_plasma, p.EC50_IL1b_n, n) * p.f_IL1b_spill * ivt;
    const double below_cap = 1.0 <= s.licensing_raw ? 0.0 : 1.0;
    const double per_co = below_cap * p.lic_sens * s.h_IFNg * (1.0 - w);
    const LicensingSignal d_licensing{{below_cap * p.lic_sens * (w + (1.0 - w) * s.h_co) * d_hifng,
                                       per_co * (1.0 - s.h_IL1b) * d_htnf,
                                       per_co * (1.0 - s.h_TNF) * d_hil1b}};
    add<kMSC_lic, kMSC_blood>(jac, p.msc_prelicensed * k_lodge);
    add_viable<kMSC_lic>(jac, p.msc_k_lic * s.licensing);
    add<kMSC_lic, kMSC_lic>(jac, -p.msc_k_lic * s.licensing - p.msc_k_delic - s.k_death);
    add<kMSC_lic, kAllo_R>(jac, -death_slope * lic);
    add<kMSC_lic>(jac, p.msc_k_lic * (s.viable - lic), d_licensing);
    // HLA class II
    const double induced = p.hla2_ind * s.h_IFNg, induction = std::min(1.0, induced);
    add<kMSC_hla2, kMSC_blood>(jac, p.hla2_at_lodging * k_lodge);
    add_viable<kMSC_hla2>(jac, p.msc_k_hla * induction + p.msc_k_hla_off * p.msc_hla2_basal);
    add<kMSC_hla2, kMSC_hla2>(jac, -p.msc_k_hla * induction - p.msc_k_hla_off - s.k_death);
    add<kMSC_hla2, kAllo_R>(jac, -death_slope * hla2);
    add<kMSC_hla2, kIFNg>(jac, 1.0 <= induced ? 0.0 : p.msc_k_hla * (s.viable - hla2) * p.hla2_ind * d_hifng);
    // mediators: kdeg (prod ((V - lic) unlic + lic) - X)
    add_viable<kKyn>(jac, p.msc_kdeg_Kyn * p.prod_IDO * p.unlic_IDO);
    add<kKyn, kMSC_lic>(jac, p.msc_kdeg_Kyn * p.prod_IDO * (1.0 - p.unlic_IDO)),
        add<kKyn, kKyn>(jac, -p.msc_kdeg_Kyn);
    add_viable<kPGE2>(jac, p.msc_kdeg_PGE2 * p.prod_PGE2 * p.unlic_PGE2);
    add<kPGE2, kMSC_lic>(jac, p.msc_kdeg_PGE2 * p.prod_PGE2 * (1.0 - p.unlic_PGE2));
    add<kPGE2, kPGE2>(jac, -p.msc_kdeg_PGE2);
    add_viable<kMscTGFb>(jac, p.msc_kdeg_TGFb * p.prod_TGFb * p.unlic_TGFb);
    add<kMscTGFb, kMSC_lic>(jac, p.msc_kdeg_TGFb * p.prod_TGFb * (1.0 - p.unlic_TGFb));
    add<kMscTGFb, kMscTGFb>(jac, -p.msc_kdeg_TGFb);
    add_viable<kTSG6>(jac, p.msc_kdeg_TSG6 * p.prod_TSG6 * p.unlic_TSG6);
    add<kTSG6, kMSC_lic>(jac, p.msc_kdeg_TSG6 * p.prod_TSG6 * (1.0 - p.unlic_TSG6));
    add<kTSG6, kTSG6>(jac, -p.msc_kdeg_TSG6);
    add_viable<kHLAG5>(jac, p.msc_kdeg_HLAG5 * p.prod_HLAG5 * p.unlic_HLAG5);
    add<kHLAG5, kMSC_lic>(jac, p.msc_kdeg_HLAG5 * p.prod_HLAG5 * (1.0 - p.unlic_HLAG5));
    add<kHLAG5, kHLAG5>(jac, -p.msc_kdeg_HLAG5);
    // anti-donor response
    const double exposure = s.viable + (p.msc_w_hla2 - 1.0) * hla2;
    add_viable<kAllo_Ag>(jac, p.msc_allogeneic * s.k_death);
    add<kAllo_Ag, kMSC_hla2>(jac, p.msc_allogeneic * s.k_death * (p.msc_w_hla2 - 1.0));
    add<kAllo_Ag, kAllo_R>(jac, p.msc_allogeneic * death_slope * exposure);
    add<kAllo_Ag, kAllo_Ag>(jac, -p.msc_k_ag);
    const double ag_total = y[kAllo_Ag] + p.msc_K_ag;
    add<kAllo_R, kAllo_Ag>(jac, p.msc_k_R_on * p.msc_K_ag / (ag_total * ag_total) * (1.0 - y[kAllo_R]));
    add<kAllo_R, kAllo_R>(jac, -p.msc_k_R_on * y[kAllo_Ag] / ag_total - p.msc_k_R_off);
  }
}

}  // namespace ra_msc_hand
