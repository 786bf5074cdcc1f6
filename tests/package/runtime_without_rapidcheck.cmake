# Fails when a file of fibercheck's runtime (src/, include/) mentions RapidCheck: the
# runtime serves any test framework, through describe_exceptions_with
# (fibercheck/exceptions.hpp); RapidCheck's describer is the harness's
# (fibercheck/harness/rapidcheck.hpp).   -D FIBERCHECK_SOURCE=<fibercheck's source>
cmake_minimum_required(VERSION 3.25)
file(GLOB_RECURSE files ${FIBERCHECK_SOURCE}/src/* ${FIBERCHECK_SOURCE}/include/*)
set(found)
foreach(f ${files})
  file(STRINGS ${f} lines REGEX "[Rr][Aa][Pp][Ii][Dd][Cc][Hh][Ee][Cc][Kk]")
  foreach(line ${lines})
    list(APPEND found "${f}: ${line}")
  endforeach()
endforeach()
if(found)
  list(JOIN found "\n" text)
  message(FATAL_ERROR "the runtime mentions RapidCheck:\n${text}")
endif()
list(LENGTH files n)
message(STATUS "${n} files of src/ and include/, none mentions RapidCheck")
