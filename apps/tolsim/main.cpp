#include <cstdio>
#include "tolsim/version.hpp"
int main() { std::printf("tolsim %s\n", tolsim::kVersion); return 0; }
