# The Google Benchmark bindings: a small C++ shim library (gbench.cc) and faultline-gbench,
# built only when find_package(benchmark) succeeded in the top-level probe.
if(FAULTLINE_HAVE_GBENCH)
  add_library(fl_gbench STATIC ${CMAKE_CURRENT_LIST_DIR}/gbench.cc)
  target_include_directories(fl_gbench PUBLIC ${CMAKE_CURRENT_LIST_DIR})
  target_link_libraries(fl_gbench PUBLIC benchmark::benchmark)
  if(EXISTS ${CMAKE_CURRENT_LIST_DIR}/main_gbench.c)
    add_executable(faultline-gbench ${CMAKE_CURRENT_LIST_DIR}/main_gbench.c)
    target_link_libraries(faultline-gbench fl_harness fl_gbench)
    # The shim is C++: link with the C++ driver so libstdc++ comes along.
    set_target_properties(faultline-gbench PROPERTIES LINKER_LANGUAGE CXX
                          RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR})
  endif()
else()
  message(STATUS "libbenchmark not found: faultline-gbench skipped (apt-get install libbenchmark-dev)")
endif()
