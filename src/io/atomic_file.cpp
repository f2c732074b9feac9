#include "tolsim/io/atomic_file.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <stdexcept>

namespace tolsim::io {

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)) {
  std::error_code ec;
  if (std::filesystem::is_directory(path_, ec))
    throw std::runtime_error(fmt::format("'{}' is a folder; give a file name", path_));
  // Same folder as the destination, so that rename() is atomic (same file system).
  temporary_ = fmt::format("{}.tmp.{}", path_, static_cast<long>(::getpid()));
  out_.open(temporary_, std::ios::binary | std::ios::trunc);
  if (!out_) throw std::runtime_error(fmt::format("cannot write '{}'", path_));
}

AtomicFile::~AtomicFile() {
  if (!committed_) {
    out_.close();
    std::error_code ec;
    std::filesystem::remove(temporary_, ec);
  }
}

void AtomicFile::commit() {
  out_.flush();
  const bool ok = static_cast<bool>(out_);
  out_.close();
  if (!ok) throw std::runtime_error(fmt::format("writing '{}' failed", path_));
  if (std::rename(temporary_.c_str(), path_.c_str()) != 0)
    throw std::runtime_error(fmt::format("cannot move the finished output into '{}'", path_));
  committed_ = true;
}

}  // namespace tolsim::io
