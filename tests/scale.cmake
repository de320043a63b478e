# Sweeps at scale (issue 17): -j, sharding, merge fingerprints, the append-only journal, a
# 4096-cell plan; and the one-node Slurm cluster running ci/slurm-sweep.sh (root only).
foreach(t jobs bad-input shard machines journal scratch fake-4096)
  add_test(NAME scale_${t} COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/test_scale.sh ${t} ${CMAKE_BINARY_DIR})
  set_tests_properties(scale_${t} PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 300)
endforeach()
add_test(NAME scale_slurm
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/test_slurm.sh ${CMAKE_BINARY_DIR} ${CMAKE_SOURCE_DIR})
set_tests_properties(scale_slurm PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 300)
add_test(NAME scale_actionlint
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/test_actionlint.sh ${CMAKE_BINARY_DIR} ${CMAKE_SOURCE_DIR})
set_tests_properties(scale_actionlint PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 300)
