// Shared by the C++ peers of bench/peers/run.sh (handwritten_cvodes, tolsim_runs): the parameter table every tool
// reads, the CSV every tool writes, and the timing line every tool prints, in the formats of the exported scripts
// (docs/exports.md), so that run.sh treats all tools alike.
#pragma once

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace peers {

// A CSV of numbers with a header of parameter names: one row per run.
struct ParameterTable {
  std::vector<std::string> names;
  std::vector<std::vector<double>> rows;
};

inline std::vector<std::string> split(std::string line) {
  if (!line.empty() && line.back() == '\r') line.pop_back();  // a CRLF file
  std::vector<std::string> cells;
  std::stringstream in(line);
  for (std::string cell; std::getline(in, cell, ',');) cells.push_back(cell);
  return cells;
}

inline ParameterTable read_parameters(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(path + ": cannot open");
  ParameterTable table;
  std::string line;
  if (!std::getline(in, line)) throw std::runtime_error(path + ":1: empty file");
  table.names = split(line);
  for (int number = 2; std::getline(in, line); ++number) {
    if (line.empty()) continue;
    std::vector<double> row;
    for (const auto& cell : split(line)) row.push_back(std::stod(cell));
    if (row.size() != table.names.size())
      throw std::runtime_error(path + ":" + std::to_string(number) + ": wrong number of values");
    table.rows.push_back(std::move(row));
  }
  return table;
}

// Rows of (time, values...) for one run.
using Rows = std::vector<std::vector<double>>;

inline void write_csv(const std::string& path, const std::vector<std::string>& columns,
                      const std::vector<Rows>& runs) {
  std::ofstream out(path);
  out << "patient,time";
  for (const auto& c : columns) out << ',' << c;
  out << '\n';
  char buffer[32];
  for (std::size_t r = 0; r < runs.size(); ++r)
    for (const auto& row : runs[r]) {
      out << r + 1;
      for (double x : row) {
        std::snprintf(buffer, sizeof buffer, "%.17g", x);
        out << ',' << buffer;
      }
      out << '\n';
    }
  if (!out) throw std::runtime_error(path + ": cannot write");
}

// The options of the hand-written programs: [--rtol R] [--atol A] [--parameters FILE.csv] [--out FILE.csv].
struct HandOptions {
  double rtol = 1e-6, atol = 1e-12;
  std::string parameters, out;
};

// Reads the options; an unknown one is reported as `program: unknown option X` and exits with code 2.
inline HandOptions parse_hand_options(int argc, char** argv, const char* program) {
  HandOptions o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string option = argv[i];
    if (option == "--rtol")
      o.rtol = std::stod(argv[i + 1]);
    else if (option == "--atol")
      o.atol = std::stod(argv[i + 1]);
    else if (option == "--parameters")
      o.parameters = argv[i + 1];
    else if (option == "--out")
      o.out = argv[i + 1];
    else {
      std::fprintf(stderr, "%s: unknown option %s\n", program, option.c_str());
      std::exit(2);
    }
  }
  return o;
}

// Times `simulate_all` and prints "simulate_seconds=S runs=N" to standard error, as the exported scripts do.
inline void timed(std::size_t runs, const std::function<void()>& simulate_all) {
  const auto start = std::chrono::steady_clock::now();
  simulate_all();
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
  std::fprintf(stderr, "simulate_seconds=%.6f runs=%zu\n", elapsed.count(), runs);
}

}  // namespace peers
