# Report tests: plots and index.html/report.md rendered from committed results fixtures
# (tests/fixtures/report/), skip notes for null counters and crashed runs, headless Chromium
# loading every image, and bad input. Each test works in its own copy under tests/out/.
foreach(t basic nullcrash chromium badinput inject)
  add_test(NAME report_${t}
           COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/test_report.sh ${t} $<TARGET_FILE:faultline>
                   ${CMAKE_CURRENT_SOURCE_DIR}/fixtures/report ${CMAKE_CURRENT_BINARY_DIR}/out)
  set_tests_properties(report_${t} PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 900
                       ENVIRONMENT "FAULTLINE_PLOTS_DIR=${CMAKE_SOURCE_DIR}/plots")
endforeach()
# The tuning advisor section and its plots, from the tune.csv of a real `faultline tune` run.
add_test(NAME report_tune
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/test_report.sh tune $<TARGET_FILE:faultline>
                 ${CMAKE_CURRENT_SOURCE_DIR}/fixtures/report ${CMAKE_CURRENT_BINARY_DIR}/out)
set_tests_properties(report_tune PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 900
                     ENVIRONMENT "FAULTLINE_PLOTS_DIR=${CMAKE_SOURCE_DIR}/plots")
