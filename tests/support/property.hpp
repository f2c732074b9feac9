// Shared test helpers: RapidCheck properties run with a fixed seed, and the message of an expected exception.
#pragma once

#include <gtest/gtest.h>
#include <rapidcheck.h>

#include <cstdint>
#include <sstream>
#include <stdexcept>
#include <string>

namespace tolsim::testing {

// Runs a property `runs` times from a fixed seed, instead of RapidCheck's random default seed, so that a failure
// reproduces; a failure is reported through GoogleTest with RapidCheck's counterexample.
template <typename Property>
void check_property(Property property, std::uint64_t seed, int runs = 500, int max_size = 100) {
  rc::detail::TestMetadata metadata;
  metadata.id = ::testing::UnitTest::GetInstance()->current_test_info()->name();
  metadata.description = metadata.id;
  rc::detail::TestParams params;
  params.seed = seed;
  params.maxSuccess = runs;
  params.maxSize = max_size;
  const auto result = rc::detail::checkTestable(property, metadata, params);
  if (!result.template is<rc::detail::SuccessResult>()) {
    std::ostringstream message;
    rc::detail::printResultMessage(result, message);
    FAIL() << message.str();
  }
}

// The message of the std::invalid_argument that f() throws, or a text saying that none was thrown.
template <typename F>
std::string error_of(F f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "(no std::invalid_argument thrown)";
}

}  // namespace tolsim::testing
