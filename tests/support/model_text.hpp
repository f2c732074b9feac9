// Test helpers: load model text and look at the problems it reports.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "tolsim/model/loader.hpp"

namespace tolsim::testing {

// Loads YAML text as file "test.yaml"; returns the diagnostics of the ModelError, or empty on success.
inline Diagnostics problems_of(const std::string& yaml) {
  try {
    (void)model::load_model_from_string(yaml, "test.yaml");
  } catch (const ModelError& e) {
    return e.diagnostics();
  }
  return {};
}

inline std::vector<std::string> error_lines(const Diagnostics& d) {
  std::vector<std::string> out;
  for (const auto& item : d.items())
    if (item.severity == Severity::kError) out.push_back(item.to_string());
  return out;
}

// A scratch folder for tests that need files; removed at destruction.
class TempDir {
 public:
  TempDir() {
    path_ = std::filesystem::temp_directory_path() /
            ("tolsim-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string write(const std::string& name, const std::string& text) const {
    const auto p = path_ / name;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p) << text;
    return p.string();
  }
  std::string path(const std::string& name) const { return (path_ / name).string(); }

 private:
  static int& counter() {
    static int n = 0;
    return n;
  }
  std::filesystem::path path_;
};

inline std::string source_path(const std::string& relative) {
  return std::string(TOLSIM_SOURCE_DIR) + "/" + relative;
}

}  // namespace tolsim::testing
