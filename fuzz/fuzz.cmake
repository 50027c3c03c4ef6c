# Fuzz targets: every fuzz/fuzz_<name>.c defines LLVMFuzzerTestOneInput.
# Always built with fuzz/standalone.c as a replay driver over the committed
# corpus fuzz/corpus/<name>/ (label fuzz-replay, runs under gcc and the
# sanitizer build); with SH_FUZZ=ON (clang) also as libFuzzer binaries.
file(GLOB SH_FUZZ_TARGETS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/fuzz/fuzz_*.c)
foreach(t ${SH_FUZZ_TARGETS})
  get_filename_component(name ${t} NAME_WE)
  string(REGEX REPLACE "^fuzz_" "" short ${name})
  add_executable(replay_${short} ${t} ${CMAKE_SOURCE_DIR}/fuzz/standalone.c)
  target_include_directories(replay_${short} PRIVATE ${CMAKE_SOURCE_DIR}/src/lib)
  target_link_libraries(replay_${short} PRIVATE salthunt_lib)
  target_compile_options(replay_${short} PRIVATE ${SH_WARNINGS})
  add_test(NAME fuzz-replay/${short} COMMAND replay_${short} ${CMAKE_SOURCE_DIR}/fuzz/corpus/${short})
  set_tests_properties(fuzz-replay/${short} PROPERTIES LABELS fuzz-replay)
  if(SH_FUZZ)
    add_executable(fuzz_${short} ${t})
    target_include_directories(fuzz_${short} PRIVATE ${CMAKE_SOURCE_DIR}/src/lib)
    target_compile_options(fuzz_${short} PRIVATE -fsanitize=fuzzer)
    target_link_options(fuzz_${short} PRIVATE -fsanitize=fuzzer)
    target_link_libraries(fuzz_${short} PRIVATE salthunt_lib)
  endif()
endforeach()
