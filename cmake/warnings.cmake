# Project-wide warning and sanitizer flags, applied through the interface target tolsim_flags.
add_library(tolsim_flags INTERFACE)
target_compile_options(tolsim_flags INTERFACE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
                                              -Wcast-align -Woverloaded-virtual -Wnull-dereference)
if(TOLSIM_WERROR)
  target_compile_options(tolsim_flags INTERFACE -Werror)
endif()
if(TOLSIM_SANITIZE)
  target_compile_options(tolsim_flags INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer
                                                -fno-sanitize-recover=undefined)
  target_link_options(tolsim_flags INTERFACE -fsanitize=address,undefined)
endif()
