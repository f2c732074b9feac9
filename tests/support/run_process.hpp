// Test helper: run a program with an argument vector and capture its standard output, standard error and exit
// code. The program is started with posix_spawn and its arguments are passed as they are: no shell ever
// parses a command string, so a test's arguments cannot be mangled by quoting or globbing.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

extern char** environ;

namespace tolsim::testing {

struct ProcessResult {
  int exit_code = -1;      // the program's exit status; -1 when it was ended by a signal
  int signal = 0;          // the signal that ended it, or 0
  bool timed_out = false;  // killed because it ran longer than ProcessOptions::timeout
  std::string out;         // standard output
  std::string err;         // standard error
};

struct ProcessOptions {
  std::string working_directory;  // "" keeps the test's own
  std::chrono::seconds timeout{120};
  // "NAME=VALUE" entries that replace or add to the inherited environment.
  std::vector<std::string> environment;
  // When > 0: send SIGINT (as Ctrl-C would) once, this long after the start.
  std::chrono::milliseconds interrupt_after{0};
};

namespace detail {

// Closes a pipe end once, whatever path the caller takes out of run_process.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { close(); }
  int get() const { return fd_; }
  void reset(int fd) {
    close();
    fd_ = fd;
  }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

inline void make_pipe(Fd& read_end, Fd& write_end) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error(std::string("pipe2: ") + std::strerror(errno));
  read_end.reset(fds[0]);
  write_end.reset(fds[1]);
}

// Owns the posix_spawn attribute objects.
struct SpawnActions {
  posix_spawn_file_actions_t actions;
  SpawnActions() { posix_spawn_file_actions_init(&actions); }
  ~SpawnActions() { posix_spawn_file_actions_destroy(&actions); }
  SpawnActions(const SpawnActions&) = delete;
  SpawnActions& operator=(const SpawnActions&) = delete;
};

}  // namespace detail

// Runs `program` with `arguments` (argv[1...]); argv[0] is `program`. The environment is inherited, so the
// TOLSIM_CACHE_DIR that ctest sets reaches the child. Throws std::runtime_error if the program cannot be
// started.
inline ProcessResult run_process(const std::string& program, const std::vector<std::string>& arguments,
                                 const ProcessOptions& options = {}) {
  detail::Fd out_read, out_write, err_read, err_write;
  detail::make_pipe(out_read, out_write);
  detail::make_pipe(err_read, err_write);

  detail::SpawnActions spawn;
  posix_spawn_file_actions_addopen(&spawn.actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&spawn.actions, out_write.get(), STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&spawn.actions, err_write.get(), STDERR_FILENO);
  if (!options.working_directory.empty())
    posix_spawn_file_actions_addchdir_np(&spawn.actions, options.working_directory.c_str());

  std::vector<std::string> storage;
  storage.reserve(arguments.size() + 1);
  storage.push_back(program);
  storage.insert(storage.end(), arguments.begin(), arguments.end());
  std::vector<char*> argv;
  for (auto& s : storage) argv.push_back(s.data());
  argv.push_back(nullptr);

  std::vector<std::string> env_storage = options.environment;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry = *e;
    const std::string name = entry.substr(0, entry.find('=') + 1);
    const bool replaced = std::any_of(options.environment.begin(), options.environment.end(),
                                      [&](const std::string& o) { return o.rfind(name, 0) == 0; });
    if (!replaced) env_storage.push_back(entry);
  }
  std::vector<char*> envp;
  for (auto& s : env_storage) envp.push_back(s.data());
  envp.push_back(nullptr);

  pid_t pid = 0;
  const int spawned = ::posix_spawn(&pid, program.c_str(), &spawn.actions, nullptr, argv.data(), envp.data());
  if (spawned != 0) throw std::runtime_error("cannot start " + program + ": " + std::strerror(spawned));
  out_write.close();
  err_write.close();

  // Read both pipes until both are closed, so that neither can fill up and block the child.
  ProcessResult result;
  const auto started = std::chrono::steady_clock::now();
  const auto deadline = started + options.timeout;
  bool interrupted = options.interrupt_after.count() <= 0;
  bool out_open = true, err_open = true;
  char buffer[65536];
  while (out_open || err_open) {
    // A negative descriptor makes poll skip a pipe that is already closed.
    pollfd fds[2] = {{out_open ? out_read.get() : -1, POLLIN, 0},
                     {err_open ? err_read.get() : -1, POLLIN, 0}};
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      result.timed_out = true;
      ::kill(pid, SIGKILL);
      break;
    }
    auto wait = left;
    if (!interrupted) {
      const auto until = std::chrono::duration_cast<std::chrono::milliseconds>(
          started + options.interrupt_after - std::chrono::steady_clock::now());
      if (until.count() <= 0) {
        ::kill(pid, SIGINT);
        interrupted = true;
      } else {
        wait = std::min(wait, until);
      }
    }
    const int ready = ::poll(fds, 2, static_cast<int>(wait.count()));
    if (ready < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      bool& open = i == 0 ? out_open : err_open;
      if (!open || (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      const ssize_t n = ::read(fds[i].fd, buffer, sizeof buffer);
      if (n > 0)
        (i == 0 ? result.out : result.err).append(buffer, static_cast<std::size_t>(n));
      else if (n == 0 || errno != EINTR)
        open = false;
    }
  }

  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status))
    result.exit_code = WEXITSTATUS(status);
  else if (WIFSIGNALED(status))
    result.signal = WTERMSIG(status);
  return result;
}

// For failure messages: the exit status and both streams (standard output shortened).
inline std::string describe(const ProcessResult& r) {
  std::string text = "exit " + std::to_string(r.exit_code);
  if (r.signal != 0) text += ", killed by signal " + std::to_string(r.signal);
  if (r.timed_out) text += ", timed out";
  return text + "\n--- stdout\n" + r.out.substr(0, 2000) + "\n--- stderr\n" + r.err;
}

// Runs the tolsim binary of this build (TOLSIM_EXECUTABLE). Its kernel cache is TOLSIM_CACHE_DIR made
// absolute (the child may run in another folder), or the build tree's kernel-cache when unset: never the
// user's home.
inline ProcessResult run_tolsim(const std::vector<std::string>& arguments, ProcessOptions options = {}) {
  const char* cache = std::getenv("TOLSIM_CACHE_DIR");
  const std::filesystem::path dir = cache != nullptr && *cache != '\0'
                                        ? std::filesystem::path(cache)
                                        : std::filesystem::path(TOLSIM_BINARY_DIR) / "kernel-cache";
  options.environment.push_back("TOLSIM_CACHE_DIR=" + std::filesystem::absolute(dir).string());
  return run_process(TOLSIM_EXECUTABLE, arguments, options);
}

}  // namespace tolsim::testing
