# check_lines.cmake: runs `fibercheck_bench all --smoke --reps 1` and checks that it
# succeeds and that every line it prints parses as `name key=value ...`, and that
# every measurement is there. It checks the form, never the speed.
#   cmake -DBENCH=path/to/fibercheck_bench -P check_lines.cmake
cmake_minimum_required(VERSION 3.25)
execute_process(COMMAND ${BENCH} all --smoke --reps 1
  OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "fibercheck_bench exited with ${rc}:\n${out}\n${err}")
endif()
string(REPLACE "\n" ";" lines "${out}")
set(names "")
foreach(line IN LISTS lines)
  if(line STREQUAL "")
    continue()
  endif()
  if(NOT line MATCHES "^[a-z-]+( [a-z_]+=[^ ]+)+$")
    message(FATAL_ERROR "not a `name key=value ...` line: '${line}'")
  endif()
  string(REGEX MATCH "^[a-z-]+" name "${line}")
  list(APPEND names ${name})
endforeach()
foreach(expected core-spawn core-spawn-boost core-hop core-step tree-cancel pipeline leak-verdict)
  if(NOT expected IN_LIST names)
    message(FATAL_ERROR "no `${expected}` line in:\n${out}")
  endif()
endforeach()
message(STATUS "${out}")
