# expect_usage_error.cmake: runs a driver on a command line it must reject and checks
# that it exits 2 with a message on stderr that matches a regular expression.
#   cmake "-DCOMMAND=prog;arg;..." -DEXPECT=regex -P expect_usage_error.cmake
cmake_minimum_required(VERSION 3.25)
execute_process(COMMAND ${COMMAND} OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
if(NOT rc EQUAL 2)
  message(FATAL_ERROR "${COMMAND} exited with ${rc}, not 2:\n${out}\n${err}")
endif()
if(NOT err MATCHES "${EXPECT}")
  message(FATAL_ERROR "${COMMAND}: stderr does not match '${EXPECT}':\n${err}")
endif()
