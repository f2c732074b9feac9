#include "trial/checkpoint.hpp"

#include <fmt/format.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tolsim/io/atomic_file.hpp"

namespace tolsim::trial::detail {

namespace {

using nlohmann::json;

// JSON has no NaN or infinity: they are written as strings.
json numbers(const std::vector<double>& v) {
  json a = json::array();
  for (double x : v) {
    if (std::isnan(x))
      a.push_back("nan");
    else if (std::isinf(x))
      a.push_back(x > 0 ? "inf" : "-inf");
    else
      a.push_back(x);
  }
  return a;
}

double number(const json& j) {
  if (j.is_number()) return j.get<double>();
  const std::string s = j.get<std::string>();
  if (s == "inf") return std::numeric_limits<double>::infinity();
  if (s == "-inf") return -std::numeric_limits<double>::infinity();
  return std::numeric_limits<double>::quiet_NaN();
}

std::vector<double> numbers(const json& a) {
  std::vector<double> v;
  for (const auto& x : a) v.push_back(number(x));
  return v;
}

std::string path_of(const std::string& dir, int replicate) {
  return (std::filesystem::path(dir) / fmt::format("replicate-{}.json", replicate)).string();
}

}  // namespace

std::string text_hash(const std::string& text) {
  std::uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return fmt::format("fnv1a64:{:016x}", h);
}

void save_checkpoint(const std::string& dir, const CheckpointKey& key, const ReplicateResult& rep) {
  json j;
  j["spec_hash"] = key.spec_hash;
  j["seed"] = key.seed;
  j["patients_per_replicate"] = key.patients;
  j["replicate"] = rep.replicate;
  j["complete"] = rep.complete;
  j["screening"] = rep.screening;
  j["selection_report"] = rep.selection_report;
  json cands = json::array();
  for (const auto& c : rep.candidates)
    cands.push_back({{"index", c.index},
                     {"status", static_cast<int>(c.status)},
                     {"reason", c.reason},
                     {"covariates", numbers(c.covariates)},
                     {"parameters", numbers(c.parameters)},
                     {"baseline", numbers(c.baseline)},
                     {"state", numbers(c.state)}});
  j["candidates"] = cands;
  json patients = json::array();
  for (const auto& p : rep.patients)
    patients.push_back({{"candidate", p.candidate},
                        {"arm", p.arm},
                        {"dropout_time", numbers(std::vector<double>{p.dropout_time})},
                        {"rescued", p.rescued},
                        {"solve_failed", p.solve_failed},
                        {"failure", p.failure},
                        {"measured", numbers(p.measured)},
                        {"endpoint_values", numbers(p.endpoint_values)},
                        {"events", p.events},
                        {"trajectory", numbers(p.trajectory)}});
  j["patients"] = patients;
  std::filesystem::create_directories(dir);
  io::AtomicFile file(path_of(dir, rep.replicate));
  file.stream() << j.dump();
  file.commit();
}

std::optional<ReplicateResult> load_checkpoint(const std::string& dir, const CheckpointKey& key,
                                               int replicate) {
  const std::string path = path_of(dir, replicate);
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  json j;
  try {
    j = json::parse(text.str());
  } catch (const json::exception& e) {
    throw UsageError(SourceLocation{path, 0, 0}, fmt::format("checkpoint is not readable: {}", e.what()));
  }
  if (j.value("spec_hash", "") != key.spec_hash || j.value("seed", 0ULL) != key.seed ||
      j.value("patients_per_replicate", -1) != key.patients)
    throw UsageError(
        SourceLocation{path, 0, 0},
        "checkpoint belongs to another spec, seed or patient count: remove it or resume with the same "
        "spec and options");
  ReplicateResult rep;
  rep.replicate = replicate;
  rep.complete = j.at("complete").get<bool>();
  rep.screening = j.at("screening").get<std::map<std::string, int>>();
  rep.selection_report = j.at("selection_report").get<std::string>();
  for (const auto& c : j.at("candidates")) {
    Candidate x;
    x.index = c.at("index").get<int>();
    x.status = static_cast<Candidate::Status>(c.at("status").get<int>());
    x.reason = c.at("reason").get<std::string>();
    x.covariates = numbers(c.at("covariates"));
    x.parameters = numbers(c.at("parameters"));
    x.baseline = numbers(c.at("baseline"));
    x.state = numbers(c.at("state"));
    rep.candidates.push_back(std::move(x));
  }
  for (const auto& p : j.at("patients")) {
    PatientOutcome o;
    o.candidate = p.at("candidate").get<int>();
    o.arm = p.at("arm").get<int>();
    o.dropout_time = numbers(p.at("dropout_time")).at(0);
    o.rescued = p.value("rescued", false);
    o.solve_failed = p.at("solve_failed").get<bool>();
    o.failure = p.at("failure").get<std::string>();
    o.measured = numbers(p.at("measured"));
    o.endpoint_values = numbers(p.at("endpoint_values"));
    o.events = p.at("events").get<std::vector<unsigned char>>();
    o.trajectory = numbers(p.at("trajectory"));
    rep.patients.push_back(std::move(o));
  }
  return rep;
}

}  // namespace tolsim::trial::detail
