# The plot check: a suite, a threshold and a trim sweep reported, every SVG checked for title,
# labels, legend size and swept values, and laid out in headless Chromium at 1400 px (no text
# collides or leaves its plot); screenshots of the report pages under tests/out/plots/screenshots.
add_test(NAME plots_check
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/test_plots.sh $<TARGET_FILE:faultline>
                 ${CMAKE_CURRENT_BINARY_DIR}/out/plots)
set_tests_properties(plots_check PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 1200
                     ENVIRONMENT "FAULTLINE_PLOTS_DIR=${CMAKE_SOURCE_DIR}/plots")
