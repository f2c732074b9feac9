// The native back end: generated C++ compiled by the system compiler into a content-addressed cache, then
// loaded with dlopen.
//
// Cache layout: <dir>/<name>.cpp (the exact source) and <dir>/<name>.so, where <name> is the FNV-1a 64 hash
// of source, compiler and flags in hex, with "-1", "-2"... appended when an entry of that name holds other
// source. Files appear only by rename(), which is atomic, so concurrent processes compiling the same model
// never see a half-written library; at worst both compile and the last rename wins with identical content.
#include <dlfcn.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "common/process.hpp"
#include "tolsim/common/error.hpp"
#include "tolsim/expr/kernel.hpp"

namespace tolsim::expr {

namespace {

namespace fs = std::filesystem;
using detail::make_temp;
using detail::read_whole_file;

constexpr int kMaxNameAttempts = 8;

std::string getenv_string(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

std::vector<std::string> split_words(const std::string& text) {
  std::vector<std::string> words;
  std::istringstream in(text);
  for (std::string word; in >> word;) words.push_back(word);
  return words;
}

std::uint64_t fnv1a(std::uint64_t hash, const std::string& text) {
  for (unsigned char ch : text) {
    hash ^= ch;
    hash *= 1099511628211ull;
  }
  return hash;
}

// Writes `content` to `path` through a temporary file and rename(), so that readers see all of it or nothing.
bool write_atomically(const fs::path& path, const std::string& content, std::string* error) {
  const std::string temp = make_temp(path, nullptr);
  if (temp.empty()) {
    *error = fmt::format("cannot create a file next to {}: {}", path.string(), std::strerror(errno));
    return false;
  }
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    out.close();
    if (!out) {
      *error = fmt::format("cannot write {}", temp);
      ::unlink(temp.c_str());
      return false;
    }
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    *error = fmt::format("cannot rename {} to {}: {}", temp, path.string(), std::strerror(errno));
    ::unlink(temp.c_str());
    return false;
  }
  return true;
}

// Compiles `source_path` into `library_path` via a temporary file. Returns "" on success, else why not.
std::string compile(const std::vector<std::string>& compiler, const std::vector<std::string>& flags,
                    const fs::path& source_path, const fs::path& library_path) {
  int log_fd = -1;
  const std::string log_path = make_temp(fs::path(library_path).replace_extension(".log"), &log_fd);
  if (log_path.empty())
    return fmt::format("cannot create a log file in {}: {}", library_path.parent_path().string(),
                       std::strerror(errno));
  const std::string temp_library = make_temp(library_path, nullptr);
  if (temp_library.empty()) {
    ::close(log_fd);
    ::unlink(log_path.c_str());
    return fmt::format("cannot create a file in {}: {}", library_path.parent_path().string(),
                       std::strerror(errno));
  }

  std::vector<std::string> argv = compiler;
  argv.insert(argv.end(), flags.begin(), flags.end());
  argv.insert(argv.end(), {"-o", temp_library, source_path.string()});
  std::string error = detail::run_program(argv, log_path, log_fd, "compiler");
  ::close(log_fd);
  ::unlink(log_path.c_str());
  if (error.empty() && ::rename(temp_library.c_str(), library_path.c_str()) != 0)
    error =
        fmt::format("cannot rename {} to {}: {}", temp_library, library_path.string(), std::strerror(errno));
  if (!error.empty()) ::unlink(temp_library.c_str());
  return error;
}

struct LibraryCloser {
  void operator()(void* handle) const {
    if (handle != nullptr) ::dlclose(handle);
  }
};
using LibraryHandle = std::unique_ptr<void, LibraryCloser>;

// Out of line and cold, so that formatting the message does not make every kernel call save registers
// (docs/performance.md, "Dispatch").
[[noreturn, gnu::noinline, gnu::cold]] void throw_bad_kernel(int kernel, int count) {
  throw InternalError(fmt::format("native kernels: kernel {} of {}", kernel, count));
}

class NativeKernels final : public Kernels {
 public:
  NativeKernels(LibraryHandle library, std::vector<KernelFunction> functions)
      : library_(std::move(library)), functions_(std::move(functions)) {}

  void eval(int kernel, double t, const double* y, const double* p, const double* u,
            double* out) const override {
    if (kernel < 0 || kernel >= count()) [[unlikely]]
      throw_bad_kernel(kernel, count());
    functions_[static_cast<std::size_t>(kernel)](t, y, p, u, out);
  }
  int count() const override { return static_cast<int>(functions_.size()); }
  std::string backend() const override { return "native"; }

 private:
  LibraryHandle library_;  // keeps the code of functions_ mapped for as long as this object lives
  std::vector<KernelFunction> functions_;
};

struct Loaded {
  std::shared_ptr<const Kernels> kernels;
  std::string error;
  bool wrong_count = false;  // the library is fine but does not have the expected number of kernels
};

Loaded load(const fs::path& library_path, int expected_kernel_count) {
  Loaded loaded;
  LibraryHandle handle(::dlopen(library_path.c_str(), RTLD_NOW | RTLD_LOCAL));
  if (!handle) {
    const char* why = ::dlerror();
    loaded.error = fmt::format("cannot load {}: {}", library_path.string(), why ? why : "unknown error");
    return loaded;
  }
  const auto* abi = static_cast<const char*>(::dlsym(handle.get(), "tolsim_abi"));
  const auto* count = static_cast<const int*>(::dlsym(handle.get(), "tolsim_kernel_count"));
  const auto* table = static_cast<const KernelFunction*>(::dlsym(handle.get(), "tolsim_kernels"));
  if (abi == nullptr || count == nullptr || table == nullptr) {
    loaded.error = fmt::format("{} is not a tolsim kernel library (missing symbols)", library_path.string());
    return loaded;
  }
  if (std::strcmp(abi, kKernelAbi) != 0) {
    loaded.error =
        fmt::format("{} has kernel ABI '{}', expected '{}'", library_path.string(), abi, kKernelAbi);
    return loaded;
  }
  if (*count != expected_kernel_count) {
    loaded.error =
        fmt::format("{} has {} kernels, expected {}", library_path.string(), *count, expected_kernel_count);
    loaded.wrong_count = true;
    return loaded;
  }
  std::vector<KernelFunction> functions(table, table + *count);
  loaded.kernels = std::make_shared<const NativeKernels>(std::move(handle), std::move(functions));
  return loaded;
}

// The cache directory as documented in kernel.hpp; "" when none can be determined.
std::string resolve_cache_dir(const NativeOptions& options) {
  if (!options.cache_dir.empty()) return options.cache_dir;
  if (std::string dir = getenv_string("TOLSIM_CACHE_DIR"); !dir.empty()) return dir;
  if (std::string xdg = getenv_string("XDG_CACHE_HOME"); !xdg.empty())
    return (fs::path(xdg) / "tolsim").string();
  if (std::string home = getenv_string("HOME"); !home.empty())
    return (fs::path(home) / ".cache" / "tolsim").string();
  return {};
}

NativeResult failure(std::string message) {
  NativeResult result;
  result.message = "native kernels unavailable: " + std::move(message);
  return result;
}

}  // namespace

NativeResult compile_native(const std::string& source, int expected_kernel_count,
                            const NativeOptions& options) {
  // $CXX is split into words (no shell involved) so that "ccache g++" works as it does for make.
  std::string compiler_text = options.compiler.empty() ? getenv_string("CXX") : options.compiler;
  std::vector<std::string> compiler = split_words(compiler_text);
  if (compiler.empty()) compiler = {"c++"};
  compiler_text.clear();
  for (const std::string& word : compiler) compiler_text += (compiler_text.empty() ? "" : " ") + word;
  const std::vector<std::string> flags = split_words(options.flags);

  const std::string cache_text = resolve_cache_dir(options);
  if (cache_text.empty()) return failure("no cache directory (set TOLSIM_CACHE_DIR, XDG_CACHE_HOME or HOME)");
  std::error_code ec;
  const fs::path cache_dir = fs::absolute(cache_text, ec);  // dlopen must get a path, never a bare name
  if (ec) return failure(fmt::format("cache directory {}: {}", cache_text, ec.message()));
  fs::create_directories(cache_dir, ec);
  if (ec)
    return failure(fmt::format("cannot create cache directory {}: {}", cache_dir.string(), ec.message()));

  std::uint64_t hash = 14695981039346656037ull;
  hash = fnv1a(hash, source);
  hash = fnv1a(hash, std::string(1, '\0') + compiler_text + '\0' + options.flags);
  const std::string base = fmt::format("{:016x}", hash);

  std::string notes;  // entries skipped on the way, reported if nothing works
  for (int attempt = 0; attempt < kMaxNameAttempts; ++attempt) {
    const std::string name = attempt == 0 ? base : fmt::format("{}-{}", base, attempt);
    const fs::path source_path = cache_dir / (name + ".cpp");
    const fs::path library_path = cache_dir / (name + ".so");

    if (const auto stored = read_whole_file(source_path)) {
      if (*stored != source) continue;  // another source under this name (a collision or an edited file)
      if (fs::exists(library_path, ec)) {
        Loaded cached = load(library_path, expected_kernel_count);
        if (cached.kernels) {
          NativeResult result;
          result.kernels = std::move(cached.kernels);
          result.message = fmt::format("cached {}", library_path.string());
          result.from_cache = true;
          return result;
        }
        if (cached.wrong_count) return failure(cached.error);
        notes += fmt::format("\n(skipped damaged cache entry: {})", cached.error);
        continue;  // compile under a fresh name: the broken library might still be mapped under this one
      }
    } else {
      std::string error;
      if (!write_atomically(source_path, source, &error)) return failure(error);
    }

    if (std::string error = compile(compiler, flags, source_path, library_path); !error.empty())
      return failure(error);
    Loaded compiled = load(library_path, expected_kernel_count);
    if (!compiled.kernels) return failure(compiled.error);
    NativeResult result;
    result.kernels = std::move(compiled.kernels);
    result.message = fmt::format("compiled {} with {}", library_path.string(), compiler_text);
    return result;
  }
  return failure(fmt::format("no free cache entry for {} in {}{}", base, cache_dir.string(), notes));
}

}  // namespace tolsim::expr
