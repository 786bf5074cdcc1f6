# Fails when a tracked C++ file differs from what clang-format makes of it under the
# repository's .clang-format. Run by ctest (label lint):
#   cmake -D SOURCE_DIR=<repo> -D CLANG_FORMAT=<clang-format> -P check_format.cmake
# To fix what it reports: clang-format -i <file> (or every file: see the message).
if(NOT CLANG_FORMAT)
  message(FATAL_ERROR "clang-format was not found: install Debian's clang-format package "
                      "(bash .ci/build does) and reconfigure")
endif()
find_package(Git QUIET)
if(Git_FOUND AND EXISTS ${SOURCE_DIR}/.git)
  execute_process(COMMAND ${GIT_EXECUTABLE} ls-files -- "*.cpp" "*.hpp"
    WORKING_DIRECTORY ${SOURCE_DIR} OUTPUT_VARIABLE files OUTPUT_STRIP_TRAILING_WHITESPACE
    RESULT_VARIABLE rc)
  if(rc)
    message(FATAL_ERROR "git ls-files failed in ${SOURCE_DIR}")
  endif()
  string(REPLACE "\n" ";" files "${files}")
else()
  # A source tree without git (an unpacked archive): every C++ file outside build trees.
  file(GLOB_RECURSE files RELATIVE ${SOURCE_DIR} ${SOURCE_DIR}/*.cpp ${SOURCE_DIR}/*.hpp)
  list(FILTER files EXCLUDE REGEX "^build")
endif()
list(LENGTH files count)
if(count EQUAL 0)
  message(FATAL_ERROR "no C++ files found under ${SOURCE_DIR}")
endif()
set(bad)
foreach(f IN LISTS files)
  execute_process(COMMAND ${CLANG_FORMAT} --style=file --dry-run --Werror ${f}
    WORKING_DIRECTORY ${SOURCE_DIR} RESULT_VARIABLE rc OUTPUT_QUIET ERROR_QUIET)
  if(rc)
    list(APPEND bad ${f})
  endif()
endforeach()
if(bad)
  list(LENGTH bad nbad)
  list(JOIN bad "\n  " shown)
  message(FATAL_ERROR "${nbad} of ${count} C++ files are not formatted as .clang-format says:\n"
    "  ${shown}\nFix with: clang-format -i <file> (from ${SOURCE_DIR}), or every tracked file:\n"
    "  git ls-files '*.cpp' '*.hpp' | xargs clang-format -i")
endif()
message(STATUS "${count} C++ files formatted as .clang-format says")
