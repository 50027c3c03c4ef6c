# Test registration. Every tests/unit/<module>/test_*.c is one executable
# built against the static library (internal headers visible), registered
# with label "unit". Shell and Python suites register themselves below.
file(GLOB SH_UNIT_TESTS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/unit/*/test_*.c)
foreach(t ${SH_UNIT_TESTS})
  get_filename_component(name ${t} NAME_WE)
  get_filename_component(dir ${t} DIRECTORY)
  get_filename_component(mod ${dir} NAME)
  set(target unit_${mod}_${name})
  add_executable(${target} ${t} ${CMAKE_SOURCE_DIR}/tests/harness/harness.c)
  target_include_directories(${target} PRIVATE ${CMAKE_SOURCE_DIR}/src/lib ${CMAKE_SOURCE_DIR}/tests/harness)
  target_link_libraries(${target} PRIVATE salthunt_lib)
  target_compile_options(${target} PRIVATE ${SH_WARNINGS})
  add_test(NAME unit/${mod}/${name} COMMAND ${target} WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
  set_tests_properties(unit/${mod}/${name} PROPERTIES LABELS unit
    ENVIRONMENT "SH_CORPUS=${CMAKE_SOURCE_DIR}/../shared/corpus;SH_SRC=${CMAKE_SOURCE_DIR}")
endforeach()

# Shell/Python suites: tests/<area>/run_*.sh get the built binary as $1.
file(GLOB SH_SCRIPT_TESTS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/*/run_*.sh)
foreach(t ${SH_SCRIPT_TESTS})
  get_filename_component(name ${t} NAME_WE)
  get_filename_component(dir ${t} DIRECTORY)
  get_filename_component(area ${dir} NAME)
  add_test(NAME ${area}/${name} COMMAND bash ${t} $<TARGET_FILE:salthunt> WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
  set_tests_properties(${area}/${name} PROPERTIES LABELS ${area}
    ENVIRONMENT "SH_CORPUS=${CMAKE_SOURCE_DIR}/../shared/corpus;SH_SRC=${CMAKE_SOURCE_DIR};SH_BUILD=${CMAKE_BINARY_DIR};SALTHUNT_CACHE_DIR=${CMAKE_BINARY_DIR}/cache")
endforeach()

# Helper programs for shell suites: tests/<area>/helper_<name>.c becomes
# sh_helper_<name> in the build folder (suites find it through $SH_BUILD).
file(GLOB SH_TEST_HELPERS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/*/helper_*.c)
foreach(t ${SH_TEST_HELPERS})
  get_filename_component(name ${t} NAME_WE)
  add_executable(sh_${name} ${t})
  target_include_directories(sh_${name} PRIVATE ${CMAKE_SOURCE_DIR}/src/lib ${CMAKE_SOURCE_DIR}/tests/harness)
  target_link_libraries(sh_${name} PRIVATE salthunt_lib)
  target_compile_options(sh_${name} PRIVATE ${SH_WARNINGS})
endforeach()
