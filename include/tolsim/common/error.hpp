// Source locations, diagnostics and the typed errors that carry them.
//
// Library code reports bad input by collecting every problem of a file as a Diagnostic and then throwing one
// typed error (ModelError, ScenarioError, UsageError) that carries them all, so that a user sees every problem in
// one pass. Broken invariants inside tolsim are InternalError. Numerical failures are not exceptions: a solve
// returns a status (see solve/result.hpp).
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace tolsim {

// A position in a text file. Lines and columns are 1-based; 0 means "unknown".
struct SourceLocation {
  std::string file;
  int line = 0;
  int column = 0;

  // "file:line:col", "file:line", "file" or "" depending on what is known.
  std::string to_string() const;
  bool known() const { return !file.empty() || line > 0; }
};

enum class Severity { kError, kWarning, kNote };

struct Diagnostic {
  Severity severity = Severity::kError;
  SourceLocation location;
  std::string message;

  // "file:line:col: error: message", the format of compilers and of every tolsim message.
  std::string to_string() const;
};

// An ordered collection of diagnostics, filled by a pass that keeps going after the first problem.
class Diagnostics {
 public:
  void error(SourceLocation location, std::string message);
  void warning(SourceLocation location, std::string message);
  void note(SourceLocation location, std::string message);
  void add(Diagnostic diagnostic) { items_.push_back(std::move(diagnostic)); }
  void append(const Diagnostics& other);

  bool has_errors() const;
  std::size_t error_count() const;
  std::size_t warning_count() const;
  const std::vector<Diagnostic>& items() const { return items_; }
  bool empty() const { return items_.empty(); }

  // All diagnostics, one per line, each as Diagnostic::to_string().
  std::string to_string() const;

 private:
  std::vector<Diagnostic> items_;
};

// Base of tolsim's input errors. what() is the first error line; diagnostics() holds them all.
class InputError : public std::runtime_error {
 public:
  explicit InputError(Diagnostics diagnostics);
  InputError(SourceLocation location, const std::string& message);
  const Diagnostics& diagnostics() const { return diagnostics_; }

 private:
  Diagnostics diagnostics_;
};

// A model file (or its includes) is malformed or inconsistent.
class ModelError : public InputError {
 public:
  using InputError::InputError;
};

// A scenario (doses, output times, overrides, solver settings) is malformed or does not fit the model.
class ScenarioError : public InputError {
 public:
  using InputError::InputError;
};

// A trial specification is malformed or does not fit its model.
class TrialError : public InputError {
 public:
  using InputError::InputError;
};

// A command-line argument or API option is invalid.
class UsageError : public InputError {
 public:
  using InputError::InputError;
};

// A broken invariant inside tolsim: a bug, never the user's fault.
class InternalError : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

// The closest candidate to `name` by edit distance, or "" when nothing is close enough to be a likely typo.
std::string closest_match(const std::string& name, const std::vector<std::string>& candidates);

// " (did you mean 'x'?)" or "" — ready to append to a message.
std::string did_you_mean(const std::string& name, const std::vector<std::string>& candidates);

}  // namespace tolsim
