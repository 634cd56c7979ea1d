# Declares the project's libraries, their tests and their benchmarks.
#
#   octo_library(NAME store SRCS src/a.cpp DEPS octo::common PRIVATE_DEPS PkgConfig::PQXX)
#     -> target octo_store, alias octo::store, public headers in include/.
#   octo_test(NAME store_pool SRCS pool_test.cpp DEPS octo::store LABELS unit)
#     -> executable registered with ctest, labelled, with gtest_main.
#   octo_benchmark(NAME reflex_scan SRCS scan_benchmark.cpp DEPS octo::safety)
#     -> Google Benchmark executable, registered with label perf.

set(OCTO_WARNINGS -Wall -Wextra -Wpedantic -Wno-unused-parameter -Wnon-virtual-dtor
    -Wimplicit-fallthrough)

function(octo_library)
  cmake_parse_arguments(ARG "" "NAME" "SRCS;DEPS;PRIVATE_DEPS" ${ARGN})
  set(target octo_${ARG_NAME})
  add_library(${target} STATIC ${ARG_SRCS})
  add_library(octo::${ARG_NAME} ALIAS ${target})
  target_include_directories(${target} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include
                                      PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
  target_link_libraries(${target} PUBLIC ${ARG_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
  target_compile_options(${target} PRIVATE ${OCTO_WARNINGS})
endfunction()

# LABELS: unit | integration | e2e | perf. TIMEOUT in seconds (default 120).
function(octo_test)
  cmake_parse_arguments(ARG "" "NAME;TIMEOUT" "SRCS;DEPS;LABELS" ${ARGN})
  if(NOT OCTO_BUILD_TESTS)
    return()
  endif()
  set(target test_${ARG_NAME})
  add_executable(${target} ${ARG_SRCS})
  target_link_libraries(${target} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
  target_compile_options(${target} PRIVATE ${OCTO_WARNINGS})
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 120)
  endif()
  add_test(NAME ${ARG_NAME} COMMAND ${target})
  set_tests_properties(${ARG_NAME} PROPERTIES LABELS "${ARG_LABELS}" TIMEOUT ${ARG_TIMEOUT})
endfunction()

function(octo_benchmark)
  cmake_parse_arguments(ARG "" "NAME" "SRCS;DEPS;ARGS" ${ARGN})
  if(NOT OCTO_BUILD_TESTS)
    return()
  endif()
  set(target bench_${ARG_NAME})
  add_executable(${target} ${ARG_SRCS})
  target_link_libraries(${target} PRIVATE ${ARG_DEPS} benchmark::benchmark)
  target_compile_options(${target} PRIVATE ${OCTO_WARNINGS})
  # Registered with ctest in a short mode so benchmarks keep compiling and running.
  add_test(NAME bench_${ARG_NAME} COMMAND ${target} --benchmark_min_time=0.01 ${ARG_ARGS})
  set_tests_properties(bench_${ARG_NAME} PROPERTIES LABELS perf TIMEOUT 300)
endfunction()
