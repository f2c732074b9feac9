# Script mode (cmake -P): installs the report's pinned JavaScript packages into the build tree with `npm ci`.
#   -DNPM=<npm>  -DSOURCE_DIR=<folder with package.json and package-lock.json>  -DINSTALL_DIR=<build folder>
#   -DOUTPUTS=<files the build depends on, ;-separated>
# npm's chatter is kept and shown only when the install fails, so that a good build stays quiet.
foreach(file package.json package-lock.json)
  configure_file(${SOURCE_DIR}/${file} ${INSTALL_DIR}/${file} COPYONLY)
endforeach()

# The cache stays in the user's npm cache (shared across builds); everything installed goes below INSTALL_DIR.
# --ignore-scripts: we only read prebuilt files out of the packages, nothing of theirs needs to run.
execute_process(
  COMMAND ${NPM} ci --ignore-scripts --no-audit --no-fund --loglevel=error
  WORKING_DIRECTORY ${INSTALL_DIR}
  RESULT_VARIABLE result
  OUTPUT_VARIABLE output
  ERROR_VARIABLE output)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "npm ci in ${INSTALL_DIR} failed (${result}):\n${output}")
endif()

# npm gives unpacked files the tarballs' fixed 1985 time stamp; without a fresh one make would see the outputs
# as older than package-lock.json and run npm ci on every build.
foreach(file ${OUTPUTS})
  if(NOT EXISTS ${file})
    message(FATAL_ERROR "npm ci did not install ${file}: check report/package.json")
  endif()
  file(TOUCH_NOCREATE ${file})
endforeach()
