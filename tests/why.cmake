# The report's "Why each OS call" section from ledger.csv (issue 13).
add_test(NAME report_why
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/test_why.sh $<TARGET_FILE:faultline>
                 ${CMAKE_CURRENT_BINARY_DIR}/out/why)
set_tests_properties(report_why PROPERTIES TIMEOUT 300)
