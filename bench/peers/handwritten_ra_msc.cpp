// The hand-written ceiling of bench/peers/run.sh --model ra-msc: models/ra-msc.yaml (75 species, 78 states) written
// by hand (bench/ra_msc_hand.hpp, checked against tolsim's kernels by check_ra_msc_hand) and integrated by SUNDIALS
// CVODES from plain C++, with no tolsim code, as tolsim integrates it (bench/peers/hand_cvodes.hpp): BDF, Newton,
// KLU on the hand-written Jacobian pattern, rtol, atol per state (the drug amounts' own 1e-6 mg, the solver-wide
// atol elsewhere, times the compartment size for species stored as amounts), non-negative species, a restart at
// every dose and infusion edge, and one CVODES memory re-initialised per patient.
//
// The scenario, bench/data/ra-msc-peers.scenario.yaml, transcribed by hand: a 65 kg patient; 15 mg of oral
// methotrexate into rx.MTX_gut (mg) every 7 days from day 0, 24 doses; 1e6 MSC/kg, so 6.5e7 cells, into
// msc.MSC_blood (cells) at a constant rate over 30 minutes from day 0; outputs every 0.25 day to day 168.
//
// Parameter values are data: every value the equations read, initial values included (named after their
// states), comes from --parameters, a CSV with a header of names and one row per patient (peers.py writes every
// parameter of the exported script there); columns the equations do not read are ignored.
//
//   handwritten_ra_msc --parameters FILE.csv [--rtol R] [--atol A] [--out FILE.csv]
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include "../ra_msc_hand.hpp"
#include "hand_cvodes.hpp"
#include "peer_io.hpp"

namespace {

namespace hand = ra_msc_hand;

constexpr double kEnd = 168.0;        // days
constexpr double kOutputStep = 0.25;  // days
constexpr double kMtxDoseMg = 15.0;   // into rx.MTX_gut, every kMtxInterval days from day 0
constexpr double kMtxInterval = 7.0;
constexpr int kMtxDoses = 24;
constexpr double kMscCells = 1e6 * 65.0;  // 1e6 cells/kg for a 65 kg patient, into msc.MSC_blood
constexpr double kInfusionDays = 30.0 * (60.0 / 86400.0);  // 30 min, converted through seconds as tolsim does

struct Patient {
  hand::Parameters q;
  std::array<double, hand::kStates> y0{};
  std::array<double, hand::kStates> size{};  // amount per value of each state (compartment size or 1)
  std::array<double, hand::kStates> u{};     // infusion rates
};

// The pattern in SUNDIALS' index type, fixed at compile time.
const peers::SparsePattern& sparse_pattern() {
  static const peers::SparsePattern pattern{
      {hand::kPattern.column_starts.begin(), hand::kPattern.column_starts.end()},
      {hand::kPattern.rows.begin(), hand::kPattern.rows.end()}};
  return pattern;
}

int rhs(sunrealtype /*t*/, N_Vector y, N_Vector ydot, void* data) {
  const auto* patient = static_cast<const Patient*>(data);
  hand::hand_rhs(N_VGetArrayPointer(y), patient->q, patient->u.data(), N_VGetArrayPointer(ydot));
  return 0;
}

int jacobian(sunrealtype /*t*/, N_Vector y, N_Vector /*fy*/, SUNMatrix J, void* data, N_Vector, N_Vector,
             N_Vector) {
  const auto* patient = static_cast<const Patient*>(data);
  hand::hand_jacobian(N_VGetArrayPointer(y), patient->q, peers::write_pattern(J, sparse_pattern()));
  return 0;
}

// Patients from the parameter table: each hand-written parameter and each initial value by name.
std::vector<Patient> read_patients(const std::string& path) {
  const peers::ParameterTable table = peers::read_parameters(path);
  std::vector<double hand::Parameters::*> members(table.names.size(), nullptr);
  std::vector<int> initial(table.names.size(), -1);
  std::vector<bool> given_parameter(hand::kParameterTable.size(), false), given_initial(hand::kStates, false);
  for (std::size_t c = 0; c < table.names.size(); ++c) {
    for (std::size_t k = 0; k < hand::kParameterTable.size(); ++k)
      if (hand::kParameterTable[k].name == table.names[c])
        members[c] = hand::kParameterTable[k].member, given_parameter[k] = true;
    for (int i = 0; i < hand::kStates; ++i)
      if (hand::kStateNames[static_cast<std::size_t>(i)] == table.names[c])
        initial[c] = i, given_initial[i] = true;
  }
  std::string missing;
  for (std::size_t k = 0; k < given_parameter.size(); ++k)
    if (!given_parameter[k]) missing.append(" ").append(hand::kParameterTable[k].name);
  for (std::size_t i = 0; i < hand::kStates; ++i)
    if (!given_initial[i]) missing.append(" ").append(hand::kStateNames[i]);
  if (!missing.empty()) throw std::runtime_error(path + ":1: no column for these values:" + missing);

  std::vector<Patient> patients(table.rows.size());
  for (std::size_t r = 0; r < table.rows.size(); ++r) {
    Patient& patient = patients[r];
    std::array<double, hand::kStates> initial_values{};
    for (std::size_t c = 0; c < table.names.size(); ++c) {
      if (members[c] != nullptr) patient.q.*members[c] = table.rows[r][c];
      if (initial[c] >= 0) initial_values[static_cast<std::size_t>(initial[c])] = table.rows[r][c];
    }
    hand::derive(patient.q);
    hand::initial_state(initial_values.data(), patient.q, patient.y0.data());
    for (int i = 0; i < hand::kStates; ++i)
      patient.size[static_cast<std::size_t>(i)] = hand::amount_per_value(i, patient.q);
  }
  return patients;
}

class Simulator {
 public:
  Simulator(double rtol, double atol, const Patient& first) : integrator_(setup(rtol, atol, first)) {
    for (int k = 1; k < kMtxDoses; ++k) stops_.push_back(k * kMtxInterval);
    stops_.push_back(kInfusionDays);
    stops_.push_back(kEnd);
    std::sort(stops_.begin(), stops_.end());
    for (int k = 0; k * kOutputStep <= kEnd; ++k) outputs_.push_back(k * kOutputStep);
  }

  // One patient: rows of (time, species values in their declared units) at the output times.
  peers::Rows run(Patient& patient) {
    patient.u.fill(0.0);
    peers::Rows rows;
    rows.reserve(outputs_.size());
    const auto on_stop = [&patient](double t, double* y) {
      bool changed = false;
      const double msc_rate = t < kInfusionDays ? kMscCells / kInfusionDays : 0.0;
      if (patient.u[hand::kMSC_blood] != msc_rate) patient.u[hand::kMSC_blood] = msc_rate, changed = true;
      const double doses = t / kMtxInterval;
      if (t < kMtxDoses * kMtxInterval && doses == std::floor(doses))
        y[hand::kMTX_gut] += kMtxDoseMg, changed = true;
      return changed;
    };
    const auto record = [&rows, &patient](double t, const double* y) {
      std::vector<double> row(1 + hand::kSpecies);
      row[0] = t;
      for (int i = 0; i < hand::kSpecies; ++i)
        row[static_cast<std::size_t>(i) + 1] = y[i] / patient.size[static_cast<std::size_t>(i)];
      rows.push_back(std::move(row));
    };
    integrator_.run(&patient, 0.0, patient.y0, stops_, outputs_, on_stop, record);
    return rows;
  }

 private:
  static peers::CvodesSetup setup(double rtol, double atol, const Patient& first) {
    peers::CvodesSetup s;
    s.rtol = rtol;
    for (int i = 0; i < hand::kStates; ++i) {
      // The tolerance scale is the compartment size, the same for every patient here (tolsim takes the model's).
      s.abstol.push_back((hand::has_own_atol(i) ? hand::kDrugAtolMg : atol) *
                         first.size[static_cast<std::size_t>(i)]);
      s.constraints.push_back(i < hand::kSpecies ? 1.0 : 0.0);
    }
    s.rhs = rhs;
    s.jacobian = jacobian;
    s.sparse = &sparse_pattern();
    return s;
  }

  peers::HandIntegrator integrator_;
  std::vector<double> stops_, outputs_;
};

}  // namespace

int main(int argc, char** argv) {
  const auto [rtol, atol, parameters, out] = peers::parse_hand_options(argc, argv, "handwritten_ra_msc");
  if (parameters.empty()) {
    std::fprintf(stderr,
                 "handwritten_ra_msc: --parameters FILE.csv is required: parameter values are data\n");
    return 2;
  }
  try {
    std::vector<Patient> patients = read_patients(parameters);
    if (patients.empty()) throw std::runtime_error(parameters + ": no patients");
    Simulator simulator(rtol, atol, patients.front());
    std::vector<peers::Rows> runs;
    runs.reserve(patients.size());
    peers::timed(patients.size(), [&] {
      for (auto& p : patients) runs.push_back(simulator.run(p));
    });
    if (!out.empty()) {
      const std::vector<std::string> columns(hand::kStateNames.begin(),
                                             hand::kStateNames.begin() + hand::kSpecies);
      peers::write_csv(out, columns, runs);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "handwritten_ra_msc: %s\n", e.what());
    return 3;
  }
  return 0;
}
