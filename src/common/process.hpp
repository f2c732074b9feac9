// Running other programs without a shell, and the file helpers that go with it.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace tolsim::detail {

// The whole content of a file, or nothing if it cannot be read.
std::optional<std::string> read_whole_file(const std::filesystem::path& path);

// A unique, empty, close-on-exec file next to `base` ("<base>.XXXXXX"); returns its path, or "" on failure. With
// fd_out, the file stays open and its descriptor is stored there.
std::string make_temp(const std::filesystem::path& base, int* fd_out);

// Runs argv[0] (searched in PATH) without a shell, stdin from /dev/null, stdout and stderr into `log_fd` (the file at
// `log_path`). Returns "" when it exits with status 0, else why not, naming it as `what` ("compiler") and quoting the
// end of its output. With a timeout > 0, a program still running after it is killed.
std::string run_program(const std::vector<std::string>& argv, const std::string& log_path, int log_fd,
                        const std::string& what, std::chrono::seconds timeout = std::chrono::seconds(0));

}  // namespace tolsim::detail
