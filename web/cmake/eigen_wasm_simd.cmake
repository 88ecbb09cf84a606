# WebAssembly SIMD for Eigen 3.4.0, which has no WebAssembly backend: the
# build compiles with -msimd128 -msse2, so Eigen takes its SSE2 path and
# Emscripten maps the SSE intrinsics to WebAssembly SIMD (4-6x the scalar build
# on matrix products; ../shared TOOLCHAIN.md item 5). Two things stop Eigen's
# headers from compiling that way, both mended in a copy of the headers made
# here, in the build tree (the system's /usr/include is never touched):
#   (a) Eigen includes <mmintrin.h>, which Emscripten lacks: a one-line
#       mmintrin.h that includes <xmmintrin.h>, on the include path;
#   (b) Eigen/src/Core/arch/SSE/PacketMath.h guards x86 inline assembly with
#       `EIGEN_COMP_GNUC && EIGEN_COMP_GNUC < 63`, true for clang (it reports
#       GCC 4.2): EIGEN_COMP_GNUC_STRICT there, as Eigen's later 3.4 branch has.
# And one setting: Eigen sizes its matrix-product kernel by the number of
# vector registers it assumes, 2 * sizeof(void*) = 8 for wasm32, so a 4 x 4
# block; WebAssembly has no such limit (V8 maps SIMD values to the 16 XMM
# registers of x86-64), and 16 gives an 8 x 4 block: 1.3-1.6x on the small
# products of the labs' networks (10 x 196 x 64: 11 -> 15 GFLOP/s under node).
#
#   include(web/cmake/eigen_wasm_simd.cmake)
#   metalab_eigen_wasm_simd()   # after find_package(Eigen3): Eigen3::Eigen now names the copy
#
# The copy is remade when the system's Eigen changes (a stamp holds its path
# and the PacketMath.h it came from).
function(metalab_eigen_wasm_simd)
  get_target_property(_dirs Eigen3::Eigen INTERFACE_INCLUDE_DIRECTORIES)
  set(_src "")
  foreach(d ${_dirs})
    if(EXISTS "${d}/Eigen/Core")
      set(_src "${d}")
      break()
    endif()
  endforeach()
  if(NOT _src)
    message(FATAL_ERROR "eigen_wasm_simd: Eigen/Core not found in Eigen3::Eigen's include directories (${_dirs})")
  endif()
  set(_packet_rel "Eigen/src/Core/arch/SSE/PacketMath.h")
  set(_dst "${CMAKE_BINARY_DIR}/eigen-wasm-simd")
  file(SHA256 "${_src}/${_packet_rel}" _hash)
  set(_stamp_text "${_src} ${_hash} v1")
  set(_stamp "${_dst}/stamp.txt")
  set(_old_stamp "")
  if(EXISTS "${_stamp}")
    file(READ "${_stamp}" _old_stamp)
  endif()
  if(NOT _old_stamp STREQUAL _stamp_text)
    file(REMOVE_RECURSE "${_dst}")
    file(COPY "${_src}/Eigen" DESTINATION "${_dst}/include")
    file(READ "${_dst}/include/${_packet_rel}" _packet)
    set(_from "#if EIGEN_COMP_GNUC && EIGEN_COMP_GNUC < 63")
    set(_to "#if EIGEN_COMP_GNUC_STRICT && EIGEN_COMP_GNUC < 63")
    string(REGEX MATCHALL "${_from}" _found "${_packet}")
    list(LENGTH _found _n)
    if(NOT _n EQUAL 4)
      message(FATAL_ERROR "eigen_wasm_simd: expected 4 lines '${_from}' in ${_src}/${_packet_rel}, found ${_n}: "
                          "this is not the Eigen 3.4.0 the fix was written for (configure with "
                          "-DMETALAB_WASM_SIMD=OFF for a scalar build)")
    endif()
    string(REPLACE "${_from}" "${_to}" _packet "${_packet}")
    file(WRITE "${_dst}/include/${_packet_rel}" "${_packet}")
    file(WRITE "${_dst}/compat/mmintrin.h"
         "// Emscripten has no mmintrin.h (MMX); Eigen's SSE path includes it but uses none of it.\n"
         "#pragma once\n#include <xmmintrin.h>\n")
    file(WRITE "${_stamp}" "${_stamp_text}")
    message(STATUS "Eigen for WebAssembly SIMD: patched copy of ${_src} in ${_dst}")
  endif()
  set_target_properties(Eigen3::Eigen PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${_dst}/include;${_dst}/compat")
  set_property(TARGET Eigen3::Eigen APPEND PROPERTY INTERFACE_COMPILE_DEFINITIONS EIGEN_ARCH_DEFAULT_NUMBER_OF_REGISTERS=16)
endfunction()
