# Fuzz targets (tests/fuzz/): one per reader. In every build the committed corpus
# (tests/fuzz/corpus/<target>/: seeds plus every crashing input found) is replayed through the
# target by a plain main (fuzz_replay.c), so `make test` and the ASan build re-check them. With
# -DFAULTLINE_FUZZ=ON (clang; `make fuzz` sets this up) the libFuzzer binaries are built too.
set(FL_FUZZ_TARGETS csv trace json report)
foreach(t ${FL_FUZZ_TARGETS})
  add_executable(fuzz_replay_${t} ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/fuzz_${t}.c
                                  ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/replay.c)
  target_link_libraries(fuzz_replay_${t} fl_harness)
  add_test(NAME fuzz_corpus_${t}
           COMMAND fuzz_replay_${t} ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/corpus/${t})
  set_tests_properties(fuzz_corpus_${t} PROPERTIES TIMEOUT 120
                       ENVIRONMENT "ASAN_OPTIONS=detect_leaks=0")
  if(FAULTLINE_FUZZ)
    add_executable(fuzz_${t} ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/fuzz_${t}.c)
    target_link_libraries(fuzz_${t} fl_harness)
    target_link_options(fuzz_${t} PRIVATE -fsanitize=fuzzer)
  endif()
endforeach()
