# `faultline exec`: real programs under glibc and our preload libraries, counters checked against
# perf stat and strace; outcomes for crashes, exits and timeouts; one-line input errors; hyperfine
# timings, and malformed hyperfine exports as warnings.
set(FL_EXEC_SH ${CMAKE_CURRENT_SOURCE_DIR}/test_exec.sh)
foreach(b glibc hybrid)
  add_test(NAME exec_counts_${b} COMMAND bash ${FL_EXEC_SH} counts ${CMAKE_BINARY_DIR} ${b})
  set_tests_properties(exec_counts_${b} PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 300)
endforeach()
foreach(m crash rss env bad hyperfine hyperfine_bad)
  add_test(NAME exec_${m} COMMAND bash ${FL_EXEC_SH} ${m} ${CMAKE_BINARY_DIR})
  set_tests_properties(exec_${m} PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 120)
endforeach()
# seventeen exports, a python check each (a second apiece to start under pyenv): 120 s is tight
set_tests_properties(exec_hyperfine_bad PROPERTIES TIMEOUT 300)
