# Builds and runs one consumer project the way a user's project gets fibercheck.
#   -D MODE=installed|subdirectory|fetchcontent   the consumer: tests/package/<MODE>/
#   -D FIBERCHECK_SOURCE=<fibercheck's source tree>
#   -D WORK_DIR=<scratch, emptied first>
#   -D BUILD_DIR=<fibercheck's build tree>      installed: what `cmake --install` installs
#   -D CXX_COMPILER=<compiler>  -D BUILD_TYPE=<type>   the consumer's (and, from source,
#                                                      fibercheck's) build
#   -D FIBERCHECK_WERROR=ON      from source: fibercheck's own sources with -Werror
#   -D WITHOUT_TEST_FRAMEWORKS=ON   GoogleTest, RapidCheck and Google Benchmark hidden from
#                                   find_package: the configure must not need them
#   -D LAUNCHER=<ccache>         CMAKE_CXX_COMPILER_LAUNCHER of fibercheck's build, if any
#   -D PARENT_<var>=...          installed: fibercheck's own CMAKE_CXX_FLAGS,
#                                CMAKE_EXE_LINKER_FLAGS and Boost_* settings, for the consumer too
# Steps: copy the consumer and ../common/ into WORK_DIR/src (from source: with
# third_party/fibercheck linked to FIBERCHECK_SOURCE); install (installed); configure,
# build, and run the consumer's tests with ctest. Also checks what the consumer gets:
# only public headers installed; fibercheck's own tests, benchmarks, examples and
# install rules off as a subproject; none of fibercheck's warning flags on the
# consumer's compile lines.
cmake_minimum_required(VERSION 3.25)

string(TIMESTAMP t0 "%s")
macro(step_done name)
  string(TIMESTAMP t "%s")
  math(EXPR dt "${t} - ${t0}")
  message(STATUS "${MODE}: ${name} done at ${dt} s")
endmacro()

if(NOT CXX_COMPILER OR NOT EXISTS "${CXX_COMPILER}")
  # SKIP_REGULAR_EXPRESSION of the test matches this line.
  message("fibercheck-package: SKIPPED: no compiler '${CXX_COMPILER}' for the ${MODE} consumer")
  return()
endif()

# The link first, so that nothing ever deletes through it.
if(IS_SYMLINK ${WORK_DIR}/src/third_party/fibercheck)
  file(REMOVE ${WORK_DIR}/src/third_party/fibercheck)
endif()
file(REMOVE_RECURSE ${WORK_DIR})
file(COPY ${FIBERCHECK_SOURCE}/tests/package/${MODE}/CMakeLists.txt
  ${FIBERCHECK_SOURCE}/tests/package/common/ DESTINATION ${WORK_DIR}/src)

set(args -DCMAKE_CXX_COMPILER=${CXX_COMPILER} -DCMAKE_BUILD_TYPE=${BUILD_TYPE}
  -DCMAKE_EXPORT_COMPILE_COMMANDS=ON)
if(LAUNCHER)
  list(APPEND args -DCMAKE_CXX_COMPILER_LAUNCHER=${LAUNCHER})
endif()
if(FIBERCHECK_WERROR)
  list(APPEND args -DFIBERCHECK_WERROR=ON)
endif()
if(WITHOUT_TEST_FRAMEWORKS)
  list(APPEND args -DCMAKE_DISABLE_FIND_PACKAGE_GTest=ON
    -DCMAKE_DISABLE_FIND_PACKAGE_rapidcheck=ON -DCMAKE_DISABLE_FIND_PACKAGE_benchmark=ON)
endif()

if(MODE STREQUAL "installed")
  set(prefix ${WORK_DIR}/prefix)
  execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix}
    RESULT_VARIABLE rc OUTPUT_QUIET)
  if(rc)
    message(FATAL_ERROR "cmake --install failed: ${rc}")
  endif()
  foreach(f include/fibercheck/fibercheck.hpp include/fibercheck/harness/check.hpp
            include/fibercheck/harness/gtest.hpp include/fibercheck/harness/rapidcheck.hpp
            lib/cmake/fibercheck/fibercheckConfig.cmake bin/fibercheck)
    if(NOT EXISTS ${prefix}/${f})
      message(FATAL_ERROR "the install lacks ${f}")
    endif()
  endforeach()
  # Exactly the public headers: include/ and harness/include/, nothing of src/ or
  # harness/src/ (their headers are the implementation's, and change freely).
  file(GLOB_RECURSE installed RELATIVE ${prefix}/include ${prefix}/include/*)
  file(GLOB_RECURSE public RELATIVE ${FIBERCHECK_SOURCE}/include ${FIBERCHECK_SOURCE}/include/*.hpp)
  file(GLOB_RECURSE public_harness RELATIVE ${FIBERCHECK_SOURCE}/harness/include
    ${FIBERCHECK_SOURCE}/harness/include/*.hpp)
  list(APPEND public ${public_harness})
  foreach(h ${installed})
    if(NOT h IN_LIST public)
      message(FATAL_ERROR "the install holds include/${h}, which is not a public header "
        "(include/ or harness/include/ of fibercheck's source)")
    endif()
  endforeach()
  foreach(h ${public})
    if(NOT h IN_LIST installed)
      message(FATAL_ERROR "the install lacks the public header include/${h}")
    endif()
  endforeach()
  step_done("install")
  list(APPEND args -DCMAKE_PREFIX_PATH=${prefix})
  # The consumer is built as fibercheck was: the same flags and Boost. Under the asan
  # preset that is -fsanitize=... and the sanitized Boost in build-asan/boost/prefix;
  # without them the consumer would not link against the sanitized archive (and would
  # mix Debian's fcontext Boost with fibercheck's ucontext one).
  foreach(var CMAKE_CXX_FLAGS CMAKE_EXE_LINKER_FLAGS Boost_ROOT Boost_NO_SYSTEM_PATHS
              Boost_USE_STATIC_LIBS)
    if(DEFINED PARENT_${var} AND NOT "${PARENT_${var}}" STREQUAL "")
      list(APPEND args "-D${var}=${PARENT_${var}}")
    endif()
  endforeach()
else()
  file(MAKE_DIRECTORY ${WORK_DIR}/src/third_party)
  file(CREATE_LINK ${FIBERCHECK_SOURCE} ${WORK_DIR}/src/third_party/fibercheck SYMBOLIC)
endif()

execute_process(COMMAND ${CMAKE_COMMAND} -S ${WORK_DIR}/src -B ${WORK_DIR}/build ${args}
  RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "configuring the ${MODE} consumer failed")
endif()
step_done("configure")

if(NOT MODE STREQUAL "installed")
  # A subproject builds none of fibercheck's own tests, benchmarks or examples, and
  # installs nothing, unless the consumer asks.
  file(STRINGS ${WORK_DIR}/build/CMakeCache.txt cache REGEX "^FIBERCHECK_")
  foreach(option BUILD_TESTS BUILD_BENCH BUILD_EXAMPLES INSTALL)
    if(NOT "FIBERCHECK_${option}:BOOL=OFF" IN_LIST cache)
      message(FATAL_ERROR "as a subproject, FIBERCHECK_${option} is not OFF by default: ${cache}")
    endif()
  endforeach()
endif()

# fibercheck's warning flags and -Werror are for its own sources: the consumer's
# compile lines carry none of them (nor its -fmacro-prefix-map).
file(READ ${WORK_DIR}/build/compile_commands.json commands)
string(JSON n LENGTH "${commands}")
math(EXPR last "${n} - 1")
set(seen_consumer FALSE)
set(seen_werror FALSE)
foreach(i RANGE ${last})
  string(JSON file GET "${commands}" ${i} file)
  string(JSON command GET "${commands}" ${i} command)
  if(file MATCHES "/src/runtime_check\\.cpp$")
    set(seen_consumer TRUE)
    if(command MATCHES " -W(error|all|extra)| -fmacro-prefix-map")
      message(FATAL_ERROR "fibercheck's flags reached the consumer's compile line: ${command}")
    endif()
  elseif(file MATCHES "/src/run\\.cpp$" AND command MATCHES " -Werror")
    set(seen_werror TRUE)
  endif()
endforeach()
if(NOT seen_consumer)
  message(FATAL_ERROR "compile_commands.json has no runtime_check.cpp")
endif()
if(FIBERCHECK_WERROR AND NOT seen_werror)
  message(FATAL_ERROR "-DFIBERCHECK_WERROR=ON did not reach fibercheck's own sources")
endif()

include(ProcessorCount)
ProcessorCount(jobs)
if(jobs GREATER 2 OR jobs EQUAL 0)
  set(jobs 2)
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build ${WORK_DIR}/build --parallel ${jobs}
  RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "building the ${MODE} consumer failed")
endif()
step_done("build")

execute_process(COMMAND ${CMAKE_CTEST_COMMAND} --test-dir ${WORK_DIR}/build --output-on-failure
  RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "the ${MODE} consumer's tests failed")
endif()
step_done("tests")
