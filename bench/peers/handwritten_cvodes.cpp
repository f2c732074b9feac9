// The hand-written ceiling of bench/peers/run.sh: examples/immune-th17-treg.yaml with its scenario
// (examples/immune-th17-treg.scenario.yaml) integrated by SUNDIALS CVODES from plain C++, with no tolsim code.
//
// It calls CVODES as tolsim does (bench/peers/hand_cvodes.hpp, shared with handwritten_ra_msc), so that the two do
// the same work:
// - BDF with Newton iteration and the dense direct linear solver (tolsim's choice below 20 states);
// - the analytic Jacobian, hand-differentiated (bench/immune_hand.hpp, also checked against tolsim's kernels by
//   bench_kernels);
// - the same rtol, and atol for every state (all four are concentrations);
// - non-negativity constraints on the four species, which tolsim sets for species by default;
// - up to 100,000 steps between stops;
// - a stop at each infusion edge, with CVodeReInit, and outputs taken in CV_NORMAL mode under a stop time.
//
// The scenario is transcribed by hand: 8 mg/kg for a 70 kg patient, so 560 mg, given as a one-hour infusion into
// serum on days 0, 28 and 56, with outputs every day to day 365. mg per L is ug/mL, so Drug rises at
// 560 / serum / (1/24) ug/mL per day during an infusion.
//
// As the ceiling, it keeps one CVODES memory for all runs and re-initialises it for each patient. It links
// Debian's SUNDIALS as it is; tolsim replaces some of SUNDIALS' vector and dense operations with bit-identical
// optimised ones (docs/performance.md), which a hand-written program would not have.
//
//   handwritten_cvodes [--rtol R] [--atol A] [--parameters FILE.csv] [--out FILE.csv]
#include <algorithm>
#include <array>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include "../immune_hand.hpp"
#include "hand_cvodes.hpp"
#include "peer_io.hpp"

namespace {

using namespace immune_hand;  // NOLINT: this program's whole subject

// The nominal parameters of examples/immune-th17-treg.yaml, in immune_hand's order.
constexpr std::array<double, kHandParameters> kNominal = {1.0e5, 0.01, 0.047, 0.005, 0.047, 15.0, 2.0, 10.0,
                                                          16.6,  0.05, 5000,  16.6,  0.3,   0.1,  6.4};
constexpr std::array<double, kHandStates> kInitial = {18741.0, 2095.0, 40.8, 0.0};
constexpr std::array<double, 3> kInfusionStarts = {0.0, 28.0, 56.0};
constexpr double kInfusionDays = 1.0 / 24.0;
constexpr double kDoseMg = 8.0 * 70.0;
constexpr double kEnd = 365.0;

struct Patient {
  std::array<double, kHandParameters> q{};
  std::array<double, kHandStates> u{};
};

int rhs(sunrealtype t, N_Vector y, N_Vector ydot, void* data) {
  auto* patient = static_cast<Patient*>(data);
  hand_rhs(t, N_VGetArrayPointer(y), patient->q.data(), patient->u.data(), N_VGetArrayPointer(ydot));
  return 0;
}

int jacobian(sunrealtype t, N_Vector y, N_Vector /*fy*/, SUNMatrix J, void* data, N_Vector, N_Vector,
             N_Vector) {
  auto* patient = static_cast<Patient*>(data);
  // SUNDIALS' dense matrix is column-major, as hand_jacobian writes it.
  hand_jacobian(t, N_VGetArrayPointer(y), patient->q.data(), patient->u.data(), SM_DATA_D(J));
  return 0;
}

class Simulator {
 public:
  Simulator(double rtol, double atol) : integrator_(setup(rtol, atol)) {
    for (double s : kInfusionStarts) {
      if (s > 0.0) stops_.push_back(s);
      stops_.push_back(s + kInfusionDays);
    }
    stops_.push_back(kEnd);
    std::sort(stops_.begin(), stops_.end());
    for (int day = 0; day <= kEnd; ++day) outputs_.push_back(day);
  }

  // One patient: rows of (time, Th17, Treg, IL6, Drug) at days 0, 1, ..., 365.
  peers::Rows run(Patient& patient) {
    patient.u.fill(0.0);
    const double rate = kDoseMg / patient.q[kSerum] / kInfusionDays;
    const auto on_stop = [&patient, rate](double t, double* /*y*/) {
      // The infusion input for the stretch that starts here.
      bool infusing = false;
      for (double s : kInfusionStarts) infusing = infusing || (s <= t && t < s + kInfusionDays);
      const double u = infusing ? rate : 0.0;
      const bool changed = patient.u[kDrug] != u;
      patient.u[kDrug] = u;
      return changed;
    };
    peers::Rows rows;
    rows.reserve(outputs_.size());
    const auto record = [&rows](double t, const double* y) { rows.push_back({t, y[0], y[1], y[2], y[3]}); };
    integrator_.run(&patient, 0.0, kInitial, stops_, outputs_, on_stop, record);
    return rows;
  }

 private:
  static peers::CvodesSetup setup(double rtol, double atol) {
    peers::CvodesSetup s;
    s.rtol = rtol;
    s.abstol.assign(kHandStates, atol);      // all four are concentrations under rate rules
    s.constraints.assign(kHandStates, 1.0);  // every state >= 0
    s.rhs = rhs;
    s.jacobian = jacobian;
    return s;  // dense LU, as tolsim below 20 states
  }

  peers::HandIntegrator integrator_;
  std::vector<double> stops_, outputs_;
};

}  // namespace

int main(int argc, char** argv) {
  const auto [rtol, atol, parameters, out] = peers::parse_hand_options(argc, argv, "handwritten_cvodes");
  try {
    std::vector<Patient> patients;
    if (parameters.empty()) {
      patients.push_back({});
      std::copy(kNominal.begin(), kNominal.end(), patients.back().q.begin());
    } else {
      const peers::ParameterTable table = peers::read_parameters(parameters);
      std::vector<int> slots;
      for (const auto& name : table.names) {
        const auto found = std::find(kHandParameterNames.begin(), kHandParameterNames.end(), name);
        if (found == kHandParameterNames.end())
          throw std::runtime_error(parameters + ":1: '" + name +
                                   "' is not a parameter of the hand-written model");
        slots.push_back(static_cast<int>(found - kHandParameterNames.begin()));
      }
      for (const auto& row : table.rows) {
        Patient p;
        std::copy(kNominal.begin(), kNominal.end(), p.q.begin());
        for (std::size_t k = 0; k < slots.size(); ++k) p.q[static_cast<std::size_t>(slots[k])] = row[k];
        patients.push_back(p);
      }
    }
    Simulator simulator(rtol, atol);
    std::vector<peers::Rows> runs;
    runs.reserve(patients.size());
    peers::timed(patients.size(), [&] {
      for (auto& p : patients) runs.push_back(simulator.run(p));
    });
    if (!out.empty()) peers::write_csv(out, {"Th17", "Treg", "IL6", "Drug"}, runs);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "handwritten_cvodes: %s\n", e.what());
    return 3;
  }
  return 0;
}
