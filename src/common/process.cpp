// Running other programs: the C++ compiler (native kernels) and script interpreters (the SBML suite through the
// exported scripts).
#include "common/process.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

extern char** environ;

namespace tolsim::detail {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kMaxOutput = 4000;  // characters of a program's output kept in a message

std::string truncated(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  if (text.size() > kMaxOutput) {
    text.resize(kMaxOutput);
    text += "\n[... output truncated]";
  }
  return text;
}

}  // namespace

std::optional<std::string> read_whole_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return std::move(content).str();
}

std::string make_temp(const fs::path& base, int* fd_out) {
  std::string pattern = base.string() + ".XXXXXX";
  const int fd = ::mkostemp(pattern.data(), O_CLOEXEC);
  if (fd < 0) return {};
  if (fd_out != nullptr)
    *fd_out = fd;
  else
    ::close(fd);
  return pattern;
}

std::string run_program(const std::vector<std::string>& argv, const std::string& log_fd_path, int log_fd,
                        const std::string& what, std::chrono::seconds timeout) {
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, log_fd, 1);
  posix_spawn_file_actions_adddup2(&actions, log_fd, 2);
  pid_t pid = 0;
  const int spawn_error = ::posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawn_error != 0)
    return fmt::format("cannot run {} '{}': {}", what, argv[0], std::strerror(spawn_error));

  int status = 0;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const pid_t done = ::waitpid(pid, &status, timeout.count() > 0 ? WNOHANG : 0);
    if (done == pid) break;
    if (done < 0 && errno != EINTR)
      return fmt::format("cannot wait for {} '{}': {}", what, argv[0], std::strerror(errno));
    if (done == 0 && std::chrono::steady_clock::now() >= deadline) {
      ::kill(pid, SIGKILL);
      while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
      return fmt::format("{} '{}' was stopped after {} s", what, argv[0], timeout.count());
    }
    if (done == 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return {};

  const std::string output = truncated(read_whole_file(log_fd_path).value_or(""));
  const std::string how = WIFEXITED(status) ? fmt::format("exited with status {}", WEXITSTATUS(status))
                                            : fmt::format("was killed by signal {}", WTERMSIG(status));
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127 && output.empty())
    return fmt::format("cannot run {} '{}' ({})", what, argv[0], how);
  if (output.empty()) return fmt::format("{} '{}' {} without output", what, argv[0], how);
  return fmt::format("{} '{}' {}:\n{}", what, argv[0], how, output);
}

}  // namespace tolsim::detail
