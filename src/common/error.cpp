#include "tolsim/common/error.hpp"

#include <fmt/format.h>
#include <algorithm>

namespace tolsim {

std::string SourceLocation::to_string() const {
  if (file.empty() && line <= 0) return {};
  std::string out = file.empty() ? std::string("<input>") : file;
  if (line > 0) {
    out += fmt::format(":{}", line);
    if (column > 0) out += fmt::format(":{}", column);
  }
  return out;
}

namespace {
const char* severity_word(Severity severity) {
  switch (severity) {
    case Severity::kError:
      return "error";
    case Severity::kWarning:
      return "warning";
    case Severity::kNote:
      return "note";
  }
  return "error";
}
}  // namespace

std::string Diagnostic::to_string() const {
  const std::string where = location.to_string();
  if (where.empty()) return fmt::format("{}: {}", severity_word(severity), message);
  return fmt::format("{}: {}: {}", where, severity_word(severity), message);
}

void Diagnostics::error(SourceLocation location, std::string message) {
  items_.push_back({Severity::kError, std::move(location), std::move(message)});
}
void Diagnostics::warning(SourceLocation location, std::string message) {
  items_.push_back({Severity::kWarning, std::move(location), std::move(message)});
}
void Diagnostics::note(SourceLocation location, std::string message) {
  items_.push_back({Severity::kNote, std::move(location), std::move(message)});
}
void Diagnostics::append(const Diagnostics& other) {
  items_.insert(items_.end(), other.items_.begin(), other.items_.end());
}

bool Diagnostics::has_errors() const {
  return error_count() > 0;
}

std::size_t Diagnostics::error_count() const {
  return static_cast<std::size_t>(std::count_if(
      items_.begin(), items_.end(), [](const Diagnostic& d) { return d.severity == Severity::kError; }));
}
std::size_t Diagnostics::warning_count() const {
  return static_cast<std::size_t>(std::count_if(
      items_.begin(), items_.end(), [](const Diagnostic& d) { return d.severity == Severity::kWarning; }));
}

std::string Diagnostics::to_string() const {
  std::string out;
  for (const auto& d : items_) {
    out += d.to_string();
    out += '\n';
  }
  return out;
}

namespace {
std::string first_error_line(const Diagnostics& diagnostics) {
  for (const auto& d : diagnostics.items())
    if (d.severity == Severity::kError) return d.to_string();
  return diagnostics.items().empty() ? std::string("invalid input") : diagnostics.items().front().to_string();
}
Diagnostics single(SourceLocation location, const std::string& message) {
  Diagnostics d;
  d.error(std::move(location), message);
  return d;
}
}  // namespace

InputError::InputError(Diagnostics diagnostics)
    : std::runtime_error(first_error_line(diagnostics)), diagnostics_(std::move(diagnostics)) {}

InputError::InputError(SourceLocation location, const std::string& message)
    : InputError(single(std::move(location), message)) {}

namespace {
// Optimal string alignment distance (Levenshtein plus adjacent transpositions), case-insensitive: the usual typo
// model of "did you mean" suggestions.
std::size_t edit_distance(const std::string& a, const std::string& b) {
  const std::size_t n = a.size(), m = b.size();
  std::vector<std::vector<std::size_t>> d(n + 1, std::vector<std::size_t>(m + 1));
  for (std::size_t i = 0; i <= n; ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= m; ++j) d[0][j] = j;
  auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; };
  for (std::size_t i = 1; i <= n; ++i) {
    for (std::size_t j = 1; j <= m; ++j) {
      const std::size_t cost = lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) && lower(a[i - 2]) == lower(b[j - 1]))
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[n][m];
}
}  // namespace

std::string closest_match(const std::string& name, const std::vector<std::string>& candidates) {
  if (name.empty()) return {};
  // Allow roughly one edit per three characters, at least one and at most three.
  const std::size_t limit = std::clamp<std::size_t>(name.size() / 3, 1, 3);
  std::string best;
  std::size_t best_distance = limit + 1;
  for (const auto& candidate : candidates) {
    if (candidate == name) continue;
    const std::size_t dist = edit_distance(name, candidate);
    if (dist < best_distance) {
      best_distance = dist;
      best = candidate;
    }
  }
  return best;
}

std::string did_you_mean(const std::string& name, const std::vector<std::string>& candidates) {
  const std::string match = closest_match(name, candidates);
  return match.empty() ? std::string() : fmt::format(" (did you mean '{}'?)", match);
}

}  // namespace tolsim
