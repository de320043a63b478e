# Lint: shellcheck over every script of ci/, tests/ and .ci/ (settings in .shellcheckrc; plots/
# has its own owner and joins when it is clean). Skips when shellcheck is not installed.
add_test(NAME lint_shellcheck
         COMMAND bash -c "command -v shellcheck >/dev/null || { echo 'SKIP: shellcheck not installed'; exit 77; }; cd '${CMAKE_SOURCE_DIR}' && shellcheck ci/*.sh tests/*.sh .ci/run"
)
set_tests_properties(lint_shellcheck PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 120)

# results/README.md's metric table against metrics.def (names, order, units, sources).
add_test(NAME lint_metrics_doc
         COMMAND python3 ${CMAKE_CURRENT_SOURCE_DIR}/test_metrics_doc.py ${CMAKE_SOURCE_DIR})
