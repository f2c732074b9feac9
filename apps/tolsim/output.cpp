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

}  // namespace tolsim::cli
