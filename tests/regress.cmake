# The CI regression gate (faultline compare, ci/regress.sh): injected regressions, improvements,
# bad input, the Markdown golden file, advisory times, coverage (missing/new cells, --allow-missing,
# --format json). The injection tests run the harness.
foreach(m inject-touch64 inject-mmap1000 improved bad-input golden-md time-check coverage-killed
          coverage-empty coverage-missing coverage-spec coverage-json)
  string(REPLACE "-" "_" n ${m})
  add_test(NAME regress_${n}
           COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/test_regress.sh ${m} ${CMAKE_BINARY_DIR}
                   ${CMAKE_SOURCE_DIR} ${FAULTLINE_SANITIZE_FLAG})
  set_tests_properties(regress_${n} PROPERTIES TIMEOUT 300)
endforeach()
