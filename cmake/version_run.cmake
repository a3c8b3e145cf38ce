# Script mode (cmake/version.cmake): writes OUT from SRC/cmake/version.cpp.in with PROJECT_VERSION and
# the tree's `git describe --always --dirty`; configure_file leaves OUT untouched when nothing changed.
set(HETSPEC_GIT_REVISION unknown)
if(GIT_EXECUTABLE)
  execute_process(COMMAND ${GIT_EXECUTABLE} describe --always --dirty
                  WORKING_DIRECTORY ${SRC}
                  OUTPUT_VARIABLE rev ERROR_QUIET RESULT_VARIABLE rc OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(rc EQUAL 0 AND rev)
    set(HETSPEC_GIT_REVISION ${rev})
  endif()
endif()
configure_file(${SRC}/cmake/version.cpp.in ${OUT} @ONLY)
