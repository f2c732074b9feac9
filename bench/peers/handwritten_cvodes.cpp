// The hand-written ceiling of bench/peers/run.sh: examples/immune-th17-treg.yaml with its scenario
// (examples/immune-th17-treg.scenario.yaml) integrated by SUNDIALS CVODES from plain C++, with no tolsim code.
//
// It calls CVODES as tolsim does, so that the two do the same work:
// - BDF with Newton iteration and the dense direct linear solver;
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
#include <cvodes/cvodes.h>
#include <nvector/nvector_serial.h>
#include <sunlinsol/sunlinsol_dense.h>
#include <sunmatrix/sunmatrix_dense.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "../immune_hand.hpp"
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

void check(int flag, const char* what) {
  if (flag < 0) throw std::runtime_error(std::string(what) + " failed with flag " + std::to_string(flag));
}

class Integrator {
 public:
  Integrator(double rtol, double atol) {
    check(SUNContext_Create(nullptr, &context_), "SUNContext_Create");
    y_ = N_VNew_Serial(kHandStates, context_);
    constraints_ = N_VNew_Serial(kHandStates, context_);
    N_VConst(1.0, constraints_);  // every state >= 0
    matrix_ = SUNDenseMatrix(kHandStates, kHandStates, context_);
    solver_ = SUNLinSol_Dense(y_, matrix_, context_);
    memory_ = CVodeCreate(CV_BDF, context_);
    std::copy(kInitial.begin(), kInitial.end(), N_VGetArrayPointer(y_));
    check(CVodeInit(memory_, rhs, 0.0, y_), "CVodeInit");
    check(CVodeSStolerances(memory_, rtol, atol), "CVodeSStolerances");
    check(CVodeSetLinearSolver(memory_, solver_, matrix_), "CVodeSetLinearSolver");
    check(CVodeSetJacFn(memory_, jacobian), "CVodeSetJacFn");
    check(CVodeSetConstraints(memory_, constraints_), "CVodeSetConstraints");
    check(CVodeSetMaxNumSteps(memory_, 100000), "CVodeSetMaxNumSteps");
  }
  ~Integrator() {
    CVodeFree(&memory_);
    SUNLinSolFree(solver_);
    SUNMatDestroy(matrix_);
    N_VDestroy(constraints_);
    N_VDestroy(y_);
    SUNContext_Free(&context_);
  }
  Integrator(const Integrator&) = delete;
  Integrator& operator=(const Integrator&) = delete;

  // One patient: rows of (time, Th17, Treg, IL6, Drug) at days 0, 1, ..., 365.
  peers::Rows run(Patient& patient) {
    check(CVodeSetUserData(memory_, &patient), "CVodeSetUserData");
    double* y = N_VGetArrayPointer(y_);
    std::copy(kInitial.begin(), kInitial.end(), y);
    check(CVodeReInit(memory_, 0.0, y_), "CVodeReInit");
    std::vector<double> edges;
    edges.reserve(2 * kInfusionStarts.size() + 1);
    edges.push_back(kEnd);
    for (double s : kInfusionStarts) {
      edges.push_back(s);
      edges.push_back(s + kInfusionDays);
    }
    std::sort(edges.begin(), edges.end());
    const double rate = kDoseMg / patient.q[kSerum] / kInfusionDays;
    peers::Rows rows;
    auto record = [&](double t) { rows.push_back({t, y[0], y[1], y[2], y[3]}); };
    double t = 0.0;
    int next_output = 0;
    for (double edge : edges) {
      if (edge > t) {
        while (next_output <= kEnd && next_output < edge) {
          sunrealtype reached = t;
          check(CVodeSetStopTime(memory_, edge), "CVodeSetStopTime");
          check(CVode(memory_, next_output, y_, &reached, CV_NORMAL), "CVode");
          record(next_output++);
        }
        sunrealtype reached = t;
        check(CVodeSetStopTime(memory_, edge), "CVodeSetStopTime");
        check(CVode(memory_, edge, y_, &reached, CV_NORMAL), "CVode");
        t = edge;
      }
      // The infusion input for the stretch that starts here.
      bool infusing = false;
      for (double s : kInfusionStarts) infusing = infusing || (s <= t && t < s + kInfusionDays);
      patient.u[kDrug] = infusing ? rate : 0.0;
      if (next_output == t && next_output <= kEnd) record(next_output++);
      if (t < kEnd) check(CVodeReInit(memory_, t, y_), "CVodeReInit");
    }
    return rows;
  }

 private:
  SUNContext context_ = nullptr;
  N_Vector y_ = nullptr;
  N_Vector constraints_ = nullptr;
  SUNMatrix matrix_ = nullptr;
  SUNLinearSolver solver_ = nullptr;
  void* memory_ = nullptr;
};

}  // namespace

int main(int argc, char** argv) {
  double rtol = 1e-6, atol = 1e-12;
  std::string parameters, out;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string option = argv[i];
    if (option == "--rtol")
      rtol = std::stod(argv[i + 1]);
    else if (option == "--atol")
      atol = std::stod(argv[i + 1]);
    else if (option == "--parameters")
      parameters = argv[i + 1];
    else if (option == "--out")
      out = argv[i + 1];
    else {
      std::fprintf(stderr, "handwritten_cvodes: unknown option %s\n", option.c_str());
      return 2;
    }
  }
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
    Integrator integrator(rtol, atol);
    std::vector<peers::Rows> runs;
    runs.reserve(patients.size());
    peers::timed(patients.size(), [&] {
      for (auto& p : patients) runs.push_back(integrator.run(p));
    });
    if (!out.empty()) peers::write_csv(out, {"Th17", "Treg", "IL6", "Drug"}, runs);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "handwritten_cvodes: %s\n", e.what());
    return 3;
  }
  return 0;
}
