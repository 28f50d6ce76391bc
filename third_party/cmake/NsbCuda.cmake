# NSB_CUDA: whether the CUDA backend (the module libnsb_cuda.so, engine/compute/cuda/) is built.
# AUTO builds it where a CUDA compiler is found (nvcc on PATH, CUDACXX, or /usr/local/cuda/bin/nvcc),
# ON fails the configure without one, OFF never builds it. Sets NSB_CUDA_BUILT.
# NSB_CUDA_ARCHITECTURES: the GPUs its kernels are compiled for, as CMAKE_CUDA_ARCHITECTURES spells them.
# The default, machine code for sm_80 (A100) and sm_90 (H100) plus compute_90 PTX for later GPUs, took
# about 100 s to build on the 2-core CI machine; "80-virtual" (compute_80 PTX only, compiled by the driver
# on first load) is the quick choice for CI.
set(NSB_CUDA_ARCHITECTURES "80-real;90" CACHE STRING "CUDA architectures of the CUDA backend's kernels")
set(NSB_CUDA_BUILT OFF)
if(NOT NSB_CUDA MATCHES "^(AUTO|ON|OFF)$")
  message(FATAL_ERROR "NSB_CUDA must be AUTO, ON or OFF, not '${NSB_CUDA}'")
endif()
if(NOT NSB_CUDA STREQUAL "OFF")
  if(NOT DEFINED CMAKE_CUDA_COMPILER AND NOT DEFINED ENV{CUDACXX} AND EXISTS /usr/local/cuda/bin/nvcc)
    set(CMAKE_CUDA_COMPILER /usr/local/cuda/bin/nvcc)
  endif()
  include(CheckLanguage)
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    set(CMAKE_CUDA_ARCHITECTURES ${NSB_CUDA_ARCHITECTURES})
    enable_language(CUDA)
    # CMake 3.25 knows C++20 for nvcc only from CUDA 12.0's version table on; nvcc 13 takes -std=c++20.
    if(NOT "cuda_std_20" IN_LIST CMAKE_CUDA_COMPILE_FEATURES)
      list(APPEND CMAKE_CUDA_COMPILE_FEATURES cuda_std_20)
      set(CMAKE_CUDA20_COMPILE_FEATURES cuda_std_20)
      set(CMAKE_CUDA20_STANDARD_COMPILE_OPTION -std=c++20)
      set(CMAKE_CUDA20_EXTENSION_COMPILE_OPTION -std=c++20)
    endif()
    find_package(CUDAToolkit REQUIRED)
    set(NSB_CUDA_BUILT ON)
    message(STATUS "CUDA backend: built (nvcc ${CMAKE_CUDA_COMPILER_VERSION}, architectures ${NSB_CUDA_ARCHITECTURES})")
  elseif(NSB_CUDA STREQUAL "ON")
    message(FATAL_ERROR "NSB_CUDA=ON but no CUDA compiler was found (nvcc on PATH, CUDACXX or /usr/local/cuda)")
  else()
    message(STATUS "CUDA backend: skipped (no CUDA compiler found)")
  endif()
else()
  message(STATUS "CUDA backend: skipped (NSB_CUDA=OFF)")
endif()
