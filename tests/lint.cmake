# Lint: shellcheck over every script of ci/, tests/ and .ci/ (settings in .shellcheckrc; plots/
# has its own owner and joins when it is clean). Skips when shellcheck is not installed.
add_test(NAME lint_shellcheck
         COMMAND bash -c "command -v shellcheck >/dev/null || { echo 'SKIP: shellcheck not installed'; exit 77; }; cd '${CMAKE_SOURCE_DIR}' && shellcheck ci/*.sh tests/*.sh .ci/run"
)
set_tests_properties(lint_shellcheck PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 120)
