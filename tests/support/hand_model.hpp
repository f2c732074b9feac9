// Test-only: CompiledModel objects built by hand from C++ lambdas, so that solver tests depend on nothing but the
// CompiledModel and Kernels headers (not on the expression graph or the model compiler).
//
//   HandModel m("decay");
//   const int x = m.state("x", 2.0);                       // y[x], initial value from parameter slot "x"
//   const int k = m.parameter("k", 0.5);
//   m.rhs = [=](double, const double* y, const double* p, double* f) { f[x] = -p[k] * y[x]; };
//   m.output_states();
//   tolsim::CompiledModel model = m.build();
//
// The rhs lambda writes dy/dt without inputs; the built rhs kernel adds u, as the model compiler's kernels do.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tolsim/compile/compiled_model.hpp"
#include "tolsim/expr/kernel.hpp"
#include "tolsim/solve/simulation.hpp"

namespace tolsim::test {

using KernelFn =
    std::function<void(double t, const double* y, const double* p, const double* u, double* out)>;
using ScalarFn = std::function<double(double t, const double* y, const double* p)>;
using RhsFn = std::function<void(double t, const double* y, const double* p, double* dydt)>;
using JacobianFn =
    std::function<void(double t, const double* y, const double* p, double* jac)>;  // column-major

class LambdaKernels final : public expr::Kernels {
 public:
  explicit LambdaKernels(std::vector<KernelFn> kernels) : kernels_(std::move(kernels)) {}
  void eval(int kernel, double t, const double* y, const double* p, const double* u,
            double* out) const override {
    kernels_.at(static_cast<std::size_t>(kernel))(t, y, p, u, out);
  }
  int count() const override { return static_cast<int>(kernels_.size()); }
  std::string backend() const override { return "test"; }

 private:
  std::vector<KernelFn> kernels_;
};

class HandModel {
 public:
  explicit HandModel(std::string name) { model_.name = std::move(name); }

  RhsFn rhs;            // required when there are states
  JacobianFn jacobian;  // optional: without it the model has no jacobian kernel
  // Optional: the entries `jacobian` may write (i + j*n, ascending). Without them every run uses the dense solver.
  std::vector<int> jacobian_positions;

  // A state whose initial value is the parameter slot of the same name (role kInitialValue).
  int state(const std::string& name, double initial_value, bool nonnegative = false) {
    StateVariable s;
    s.name = name;
    s.nonnegative = nonnegative;
    model_.states.push_back(s);
    initial_slots_.push_back(parameter(name, initial_value, ParameterSlot::Role::kInitialValue));
    return static_cast<int>(model_.states.size()) - 1;
  }
  StateVariable& state_info(int index) { return model_.states.at(static_cast<std::size_t>(index)); }

  int parameter(const std::string& name, double value,
                ParameterSlot::Role role = ParameterSlot::Role::kParameter) {
    ParameterSlot slot;
    slot.name = name;
    slot.role = role;
    slot.value = value;
    model_.parameters.push_back(slot);
    return static_cast<int>(model_.parameters.size()) - 1;
  }

  // A derived parameter: the init kernel writes value(p) into its slot.
  int derived(const std::string& name, std::function<double(const double* p)> value) {
    const int slot = parameter(name, 0.0, ParameterSlot::Role::kDerived);
    model_.derived_parameters.push_back(slot);
    derived_values_.push_back(std::move(value));
    return slot;
  }

  int output(const std::string& name, ScalarFn value,
             OutputColumn::Kind kind = OutputColumn::Kind::kObservable) {
    OutputColumn column;
    column.name = name;
    column.kind = kind;
    column.default_column = true;
    model_.outputs.push_back(column);
    outputs_.push_back(std::move(value));
    return static_cast<int>(model_.outputs.size()) - 1;
  }
  // One output per state, named after it, reading y directly.
  void output_states() {
    for (std::size_t i = 0; i < model_.states.size(); ++i)
      output(
          model_.states[i].name, [i](double, const double* y, const double*) { return y[i]; },
          OutputColumn::Kind::kSpecies);
  }

  // A relation `g op 0` with root function g; scheduled relations must have g = time_sign * (t - crossing).
  int relation(expr::Op op, ScalarFn g, bool scheduled = false, double time_sign = 0.0) {
    Relation r;
    r.op = op;
    r.scheduled = scheduled;
    r.time_sign = time_sign;
    model_.relations.push_back(r);
    relations_.push_back(std::move(g));
    return static_cast<int>(model_.relations.size()) - 1;
  }
  // `time >= at` (or another op), scheduled.
  int time_relation(expr::Op op, double at) {
    return relation(
        op, [at](double t, const double*, const double*) { return t - at; }, true, 1.0);
  }

  // An event whose trigger is the conjunction of `relations` (one relation: just that relation).
  int event(const std::string& name, std::vector<int> relations) {
    CompiledEvent e;
    e.name = name;
    if (relations.size() == 1) {
      e.terms.push_back({TriggerTerm::Kind::kRelation, relations[0], false, {}});
    } else {
      TriggerTerm conjunction{TriggerTerm::Kind::kAnd, -1, false, {}};
      for (std::size_t i = 0; i < relations.size(); ++i) {
        e.terms.push_back({TriggerTerm::Kind::kRelation, relations[i], false, {}});
        conjunction.children.push_back(static_cast<int>(i));
      }
      e.terms.push_back(conjunction);
    }
    e.root = static_cast<int>(e.terms.size()) - 1;
    model_.events.push_back(e);
    events_.push_back({});
    return static_cast<int>(model_.events.size()) - 1;
  }
  CompiledEvent& event_info(int e) { return model_.events.at(static_cast<std::size_t>(e)); }
  void delay(int e, ScalarFn value) {
    event_info(e).has_delay = true;
    events_.at(static_cast<std::size_t>(e)).delay = std::move(value);
  }
  void priority(int e, ScalarFn value) {
    event_info(e).has_priority = true;
    events_.at(static_cast<std::size_t>(e)).priority = std::move(value);
  }
  void assign(int e, int state, ScalarFn value, EventAssignment::Mode mode = EventAssignment::Mode::kSetValue,
              int compartment_output = -1) {
    event_info(e).assignments.push_back({state, mode, compartment_output});
    events_.at(static_cast<std::size_t>(e)).values.push_back(std::move(value));
  }

  CompiledModel build() const {
    CompiledModel m = model_;
    std::vector<KernelFn> kernels;
    const std::size_t n = m.states.size();

    m.kernel.init = static_cast<int>(kernels.size());
    kernels.push_back([slots = initial_slots_, derived = derived_values_](
                          double, const double*, const double* p, const double*, double* out) {
      for (std::size_t i = 0; i < slots.size(); ++i) out[i] = p[slots[i]];
      for (std::size_t j = 0; j < derived.size(); ++j) out[slots.size() + j] = derived[j](p);
    });
    if (rhs) {
      m.kernel.rhs = static_cast<int>(kernels.size());
      kernels.push_back(
          [f = rhs, n](double t, const double* y, const double* p, const double* u, double* out) {
            f(t, y, p, out);
            for (std::size_t i = 0; i < n; ++i) out[i] += u[i];
          });
    }
    if (jacobian) {
      m.jacobian_positions = jacobian_positions;
      m.kernel.jacobian = static_cast<int>(kernels.size());
      kernels.push_back([j = jacobian](double t, const double* y, const double* p, const double*,
                                       double* out) { j(t, y, p, out); });
    }
    m.kernel.relations = static_cast<int>(kernels.size());
    kernels.push_back(scalar_kernel(relations_));
    m.kernel.outputs = static_cast<int>(kernels.size());
    kernels.push_back(scalar_kernel(outputs_));
    for (std::size_t e = 0; e < events_.size(); ++e) {
      m.events[e].kernel = static_cast<int>(kernels.size());
      kernels.push_back(
          [spec = events_[e]](double t, const double* y, const double* p, const double*, double* out) {
            out[0] = spec.delay ? spec.delay(t, y, p) : 0.0;
            out[1] = spec.priority ? spec.priority(t, y, p) : 0.0;
            for (std::size_t i = 0; i < spec.values.size(); ++i) out[2 + i] = spec.values[i](t, y, p);
          });
    }
    m.kernels = std::make_shared<LambdaKernels>(std::move(kernels));
    return m;
  }

 private:
  struct EventSpec {
    ScalarFn delay, priority;
    std::vector<ScalarFn> values;
  };
  static KernelFn scalar_kernel(std::vector<ScalarFn> fns) {
    return [fns = std::move(fns)](double t, const double* y, const double* p, const double*, double* out) {
      for (std::size_t i = 0; i < fns.size(); ++i) out[i] = fns[i](t, y, p);
    };
  }

  CompiledModel model_;
  std::vector<int> initial_slots_;
  std::vector<std::function<double(const double*)>> derived_values_;
  std::vector<ScalarFn> relations_, outputs_;
  std::vector<EventSpec> events_;
};

// n + 1 equally spaced times from a to b, both included (b exactly).
inline std::vector<double> grid(double a, double b, int n) {
  std::vector<double> out;
  for (int i = 0; i < n; ++i) out.push_back(a + (b - a) * i / n);
  out.push_back(b);
  return out;
}

// A setup with the model's default parameters, outputs at `times`, and the given tolerances.
inline SimulationSetup make_setup(const CompiledModel& model, double t_end, std::vector<double> times,
                                  double rtol = 1e-8, double atol = 1e-12) {
  SimulationSetup setup;
  setup.parameters = model.default_parameters();
  setup.t_start = 0.0;
  setup.t_end = t_end;
  setup.output_times = std::move(times);
  setup.options.rtol = rtol;
  setup.options.atol = atol;
  return setup;
}

// An observer that keeps every (t, outputs) row, for tests that need the streaming interface.
struct RecordingObserver final : public Observer {
  std::vector<double> times;
  std::vector<std::vector<double>> rows;
  void on_output(double t, std::span<const double> outputs) override {
    times.push_back(t);
    rows.emplace_back(outputs.begin(), outputs.end());
  }
};

}  // namespace tolsim::test
