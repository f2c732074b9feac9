// libFuzzer entry point for the expression parser. Not part of the CMake build (tests/CMakeLists.txt only
// globs tests/fuzz/*.cpp); the rapidcheck test tests/fuzz/expr_parser_fuzz_test.cpp covers the same promises
// in ctest. Build and run by hand, from the repository root:
//   clang++ -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude -Isrc \
//     tests/fuzz/libfuzzer/expr_parser_libfuzzer.cpp src/expr/*.cpp src/common/error.cpp -lfmt -o expr_fuzz
//   ./expr_fuzz -max_total_time=60
// The promise under test: any bytes give either a tree that round-trips through to_string, or a SyntaxError
// with an offset inside the text. Any other exception, a crash or a sanitizer report is a bug.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tolsim/expr/ast.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  tolsim::expr::AstPtr ast;
  try {
    ast = tolsim::expr::parse_expression(text);
  } catch (const tolsim::expr::SyntaxError& e) {
    if (e.offset() > size) __builtin_trap();
    return 0;
  }
  if (ast->offset + ast->length > size) __builtin_trap();
  if (!tolsim::expr::equal(*tolsim::expr::parse_expression(tolsim::expr::to_string(*ast)), *ast))
    __builtin_trap();
  return 0;
}
