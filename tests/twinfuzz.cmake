# The differential fuzzer of the hybrid twin against glibc (owner: twin). twinfuzz_corpus replays
# the committed sequences (the issue's reproducers and what the fuzzer found); twinfuzz_quick
# runs a few fresh seeded sequences per setting; twinfuzz_sees_divergence proves the recorder
# is not blind: the brk backend must be caught diverging from glibc on the seed sequence.
file(GLOB FL_TWINFUZZ_CORPUS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/twinfuzz/corpus/*.ops)
set(FL_TWINFUZZ_RUN $<TARGET_FILE:twinfuzz> --driver $<TARGET_FILE:twinfuzz-driver>)
add_test(NAME twinfuzz_corpus COMMAND ${FL_TWINFUZZ_RUN}
  --preload $<TARGET_FILE:faultline-hybrid> ${FL_TWINFUZZ_CORPUS})
add_test(NAME twinfuzz_quick COMMAND ${FL_TWINFUZZ_RUN}
  --preload $<TARGET_FILE:faultline-hybrid> --seqs 25 --ops 100 --seed 424242 --min-rate 100)
add_test(NAME twinfuzz_sees_divergence COMMAND ${FL_TWINFUZZ_RUN}
  --preload $<TARGET_FILE:faultline-brk> ${CMAKE_SOURCE_DIR}/twinfuzz/corpus/issue-seed-default.ops)
set_tests_properties(twinfuzz_corpus twinfuzz_quick twinfuzz_sees_divergence PROPERTIES
  SKIP_RETURN_CODE 77 TIMEOUT 120)
set_tests_properties(twinfuzz_sees_divergence PROPERTIES WILL_FAIL TRUE)

# hybrid is single-arena: stated in `list backends`, checked against glibc's thread arena.
add_executable(twin_threads_prog ${CMAKE_CURRENT_SOURCE_DIR}/twin_threads_prog.c)
target_link_libraries(twin_threads_prog pthread)
target_compile_options(twin_threads_prog PRIVATE -fno-sanitize=all)
target_link_options(twin_threads_prog PRIVATE -fno-sanitize=all)
add_test(NAME twin_single_arena COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/test_twin_arena.sh
  $<TARGET_FILE:faultline> $<TARGET_FILE:twin_threads_prog> $<TARGET_FILE:faultline-hybrid>)
set_tests_properties(twin_single_arena PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 60)
