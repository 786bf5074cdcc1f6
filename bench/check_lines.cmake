# check_lines.cmake: runs `fibercheck_bench all --smoke --reps 1` and checks that it
# succeeds, that every line it prints parses as `name key=value ...`, and that each
# line listed below is there with exactly its keys, in order, and
# numbers where numbers belong. It checks the form, never the speed.
#   cmake -DBENCH=path/to/fibercheck_bench -P check_lines.cmake
cmake_minimum_required(VERSION 3.25)
execute_process(COMMAND ${BENCH} all --smoke --reps 1
  OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "fibercheck_bench exited with ${rc}:\n${out}\n${err}")
endif()
string(REPLACE "\n" ";" lines "${out}")
set(names "")
set(num "[0-9]+(\\.[0-9]+)?")
set(int "[0-9]+")
# The exact form of each specified line, by name.
set(form_tree-cancel "^tree-cancel n=${int} spawn_ns_per_fiber=${num} cancel_ns_per_fiber=${num} rss_bytes_per_fiber=-?${num}$")
set(form_pipeline "^pipeline stages=${int} values=${int} ns_per_hop=${num}$")
set(form_property-cases "^property-cases size=${int} cases=${int} cases_per_s=${num}$")
set(form_leak-verdict "^leak-verdict found=true seconds_to_verdict=${num}$")
set(form_boost-leaks "^boost-leaks runs=${int} unwound=true rss_kb_after_tenth=${int} rss_kb_at_end=${int} growth_bytes_per_run=-?${num} us_per_run=${num}$")
set(form_live-leak-verdict "^live-leak-verdict found=true run_seconds=${num} check_seconds=${num}$")
set(form_shrink "^shrink kind=[a-z-]+ initial_nodes=${int} final_nodes=${int} seconds=${num}$")
set(form_scaling "^scaling depth=${int} n=${int} ns_per_fiber=${num} rss_bytes_per_fiber=-?${num}$")
foreach(line IN LISTS lines)
  if(line STREQUAL "")
    continue()
  endif()
  if(NOT line MATCHES "^[a-z-]+( [a-z_]+=[^ ]+)+$")
    message(FATAL_ERROR "not a `name key=value ...` line: '${line}'")
  endif()
  string(REGEX MATCH "^[a-z-]+" name "${line}")
  if(DEFINED form_${name} AND NOT line MATCHES "${form_${name}}")
    message(FATAL_ERROR "`${name}` line not in the specified form:\n  '${line}'\n  form: ${form_${name}}")
  endif()
  list(APPEND names ${name})
endforeach()
foreach(expected core-spawn core-spawn-boost core-hop core-step tree-cancel pipeline leak-verdict
                 live-leak-verdict boost-leaks
                 property-cases shrink scaling)
  if(NOT expected IN_LIST names)
    message(FATAL_ERROR "no `${expected}` line in:\n${out}")
  endif()
endforeach()
# One shrink line a mutant kind, one scaling line a depth.
list(FILTER names INCLUDE REGEX "^shrink$")
list(LENGTH names shrinks)
if(shrinks LESS 2)
  message(FATAL_ERROR "only ${shrinks} shrink line(s) in:\n${out}")
endif()
message(STATUS "${out}")
