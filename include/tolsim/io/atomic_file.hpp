// A file that appears complete or not at all.
//
// Content is written to a temporary file next to the destination and renamed over it by commit(). If the writer
// is destroyed without commit() (an error, an exception), the temporary file is removed and the destination is
// left as it was: a failed run never leaves a half-written output.
#pragma once

#include <fstream>
#include <string>

namespace tolsim::io {

class AtomicFile {
 public:
  // Throws std::runtime_error if the temporary file cannot be created.
  explicit AtomicFile(std::string path);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  std::ostream& stream() { return out_; }
  // Flushes, closes and renames into place. Throws std::runtime_error on an I/O failure.
  void commit();

 private:
  std::string path_;
  std::string temporary_;
  std::ofstream out_;
  bool committed_ = false;
};

}  // namespace tolsim::io
