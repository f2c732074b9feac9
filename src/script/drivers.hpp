// The fixed parts of the exported scripts: Python and R source text that is the same for every model (helpers, the
// stop-by-stop driver, the delay history, the fast-reaction equilibrium). python.cpp and r.cpp place them around
// the model's tables and kernels.
#pragma once

namespace tolsim::script::detail {

extern const char* const kPythonHelpers;
extern const char* const kPythonDriver;
extern const char* const kPythonDelayDriver;
extern const char* const kPythonFastDriver;
extern const char* const kRHelpers;
extern const char* const kRDriver;
extern const char* const kRDelayDriver;
extern const char* const kRFastDriver;

}  // namespace tolsim::script::detail
