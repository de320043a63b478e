# Every example is a test (tests/test_examples.py): the example commands of README.md and of
# every --help are extracted, shrunk (one run, tiny budgets, no plots) and run; any failure fails.
set(FL_EXAMPLE_SOURCES readme help:faultline help:faultline-gbench)
foreach(cmd run exec sweep seed merge check report list compare trace tune whatif)
  list(APPEND FL_EXAMPLE_SOURCES help:${cmd})
endforeach()
foreach(s ${FL_EXAMPLE_SOURCES})
  string(REPLACE ":" "_" n ${s})
  add_test(NAME examples_${n}
           COMMAND python3 ${CMAKE_CURRENT_SOURCE_DIR}/test_examples.py ${s} ${CMAKE_BINARY_DIR}
                   ${CMAKE_SOURCE_DIR})
  set_tests_properties(examples_${n} PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 300)
endforeach()
