# Installs the built fibercheck into a fresh prefix, configures and builds the
# consumer project against it with find_package(fibercheck CONFIG), and runs it.
# -D BUILD_DIR=<fibercheck build>  -D WORK_DIR=<scratch>  -D SOURCE_DIR=<consumer>
# -D PARENT_<var>=...: fibercheck's own CMAKE_CXX_COMPILER, CMAKE_CXX_FLAGS,
#   CMAKE_EXE_LINKER_FLAGS and Boost_* settings, given to the consumer too.
file(REMOVE_RECURSE ${WORK_DIR})
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${WORK_DIR}/prefix
  RESULT_VARIABLE rc OUTPUT_QUIET)
if(rc)
  message(FATAL_ERROR "cmake --install failed: ${rc}")
endif()
foreach(f include/fibercheck/fibercheck.hpp include/fibercheck/harness/check.hpp
          lib/cmake/fibercheck/fibercheckConfig.cmake bin/fibercheck)
  if(NOT EXISTS ${WORK_DIR}/prefix/${f})
    message(FATAL_ERROR "the install lacks ${f}")
  endif()
endforeach()
# The consumer is built as fibercheck was: the same compiler, flags and Boost. Under the
# asan preset that is -fsanitize=... and the sanitized Boost in build-asan/boost/prefix;
# without them the consumer would not link against the sanitized archive (and would mix
# Debian's fcontext Boost with fibercheck's ucontext one).
set(consumer_args)
foreach(var CMAKE_CXX_COMPILER CMAKE_CXX_FLAGS CMAKE_EXE_LINKER_FLAGS
            Boost_ROOT Boost_NO_SYSTEM_PATHS Boost_USE_STATIC_LIBS)
  if(DEFINED PARENT_${var} AND NOT "${PARENT_${var}}" STREQUAL "")
    list(APPEND consumer_args "-D${var}=${PARENT_${var}}")
  endif()
endforeach()
execute_process(COMMAND ${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${WORK_DIR}/build
  -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix -DCMAKE_BUILD_TYPE=RelWithDebInfo ${consumer_args}
  RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "configuring the consumer against the installed package failed")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build ${WORK_DIR}/build RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "building the consumer failed")
endif()
execute_process(COMMAND ${WORK_DIR}/build/consumer_test RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "the consumer's tests failed")
endif()
