#include "tolsim/io/csv.hpp"

#include <fmt/format.h>

namespace tolsim::io {

namespace {
// Column names are model names (letters, digits, '_' and '.'), so they never need quoting; time is first.
void write_row(std::ostream& out, double t, const SimulationResult& result, std::size_t row,
               const std::vector<int>& columns) {
  fmt::memory_buffer line;
  fmt::format_to(std::back_inserter(line), "{}", t);
  for (int c : columns)
    fmt::format_to(std::back_inserter(line), ",{}", result.at(row, static_cast<std::size_t>(c)));
  line.push_back('\n');
  out.write(line.data(), static_cast<std::streamsize>(line.size()));
}
}  // namespace

void write_csv(std::ostream& out, const SimulationResult& result, const std::vector<int>& columns) {
  out << "time";
  for (int c : columns) out << ',' << result.columns[static_cast<std::size_t>(c)];
  out << '\n';
  for (std::size_t row = 0; row < result.times.size(); ++row)
    write_row(out, result.times[row], result, row, columns);
}

}  // namespace tolsim::io
