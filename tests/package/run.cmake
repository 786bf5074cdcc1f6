# Installs the built fibercheck into a fresh prefix, configures and builds the
# consumer project against it with find_package(fibercheck CONFIG), and runs it.
# -D BUILD_DIR=<fibercheck build>  -D WORK_DIR=<scratch>  -D SOURCE_DIR=<consumer>
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
execute_process(COMMAND ${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${WORK_DIR}/build
  -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix -DCMAKE_BUILD_TYPE=RelWithDebInfo RESULT_VARIABLE rc)
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
