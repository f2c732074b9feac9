#include <fmt/core.h>

#include "commands.hpp"
#include "tolsim/io/atomic_file.hpp"

namespace tolsim::cli {

void write_output(const std::string& text, const std::string& path) {
  if (path.empty()) {
    fmt::print("{}", text);
    return;
  }
  io::AtomicFile file(path);
  file.stream() << text;
  file.commit();
}

void write_checked_output(const std::string& text, const std::string& path, bool quiet,
                          const std::string& what, const std::function<void(const std::string&)>& read_back) {
  try {
    read_back(path.empty() ? "standard output" : path);
  } catch (const ModelError& e) {
    throw InternalError(fmt::format("the {} does not read back: {}", what, e.what()));
  }
  write_output(text, path);
  if (!path.empty() && !quiet) fmt::print(stderr, "wrote {}\n", path);
}

}  // namespace tolsim::cli
