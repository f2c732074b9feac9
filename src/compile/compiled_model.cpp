#include "tolsim/compile/compiled_model.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace tolsim {

namespace {
template <typename Items>
std::optional<int> find_by_name(const Items& items, const std::string& name) {
  for (std::size_t i = 0; i < items.size(); ++i)
    if (items[i].name == name) return static_cast<int>(i);
  return std::nullopt;
}
}  // namespace

std::vector<double> CompiledModel::default_parameters() const {
  std::vector<double> p;
  p.reserve(parameters.size());
  for (const auto& slot : parameters) p.push_back(slot.value);
  return p;
}

// (The argument is not called `name`: that would shadow the model's own name.)
std::optional<int> CompiledModel::find_parameter(const std::string& wanted) const {
  return find_by_name(parameters, wanted);
}
std::optional<int> CompiledModel::find_output(const std::string& wanted) const {
  return find_by_name(outputs, wanted);
}
std::optional<int> CompiledModel::find_state(const std::string& wanted) const {
  return find_by_name(states, wanted);
}

std::vector<double> CompiledModel::initial_state(std::vector<double>& p, double t_start) const {
  if (p.size() != parameters.size())
    throw UsageError(
        SourceLocation{source_file, 0, 0},
        fmt::format("model '{}' has {} parameters, got a vector of {}", name, parameters.size(), p.size()));
  const std::size_t n = states.size();
  if (n == 0 && derived_parameters.empty()) return {};
  if (!kernels || kernel.init < 0 || kernel.init >= kernels->count())
    throw InternalError(fmt::format("model '{}' has no init kernel", name));
  for (const int slot : derived_parameters)
    if (slot < 0 || static_cast<std::size_t>(slot) >= p.size())
      throw InternalError(fmt::format("model '{}': derived parameter slot {} out of range", name, slot));

  // The init kernel ignores y and u; pass zeros rather than null pointers so that no backend can trip on them.
  const std::vector<double> zeros(std::max<std::size_t>(n, 1), 0.0);
  std::vector<double> out(std::max<std::size_t>(n + derived_parameters.size(), 1), 0.0);
  kernels->eval(kernel.init, t_start, zeros.data(), p.data(), zeros.data(), out.data());
  for (std::size_t i = 0; i < derived_parameters.size(); ++i)
    p[static_cast<std::size_t>(derived_parameters[i])] = out[n + i];
  out.resize(n);
  return out;
}

std::vector<double> CompiledModel::start_inputs(double t_start, const std::vector<double>& y,
                                                const std::vector<double>& p) const {
  std::vector<double> u(static_cast<std::size_t>(std::max(n_inputs(), 1)), 0.0);
  if (delays.empty()) return u;
  const std::vector<double> state = y.empty() ? std::vector<double>(1, 0.0) : y;
  for (const CompiledDelay& d : delays) {
    double tau = 0.0;
    kernels->eval(d.time_kernel, t_start, state.data(), p.data(), u.data(), &tau);
    kernels->eval(d.initial_kernel, t_start - tau, state.data(), p.data(), u.data(),
                  &u[static_cast<std::size_t>(d.input)]);
  }
  return u;
}

}  // namespace tolsim
