# Imported targets for the Debian packages Neural Sandbox builds against (see third_party/README.md).
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(ZLIB REQUIRED)
find_package(spdlog CONFIG REQUIRED)
find_package(nlohmann_json CONFIG REQUIRED)
find_package(CLI11 CONFIG REQUIRED)
find_package(Vulkan REQUIRED COMPONENTS glslc)
find_package(glslang CONFIG REQUIRED)
find_package(glfw3 CONFIG REQUIRED)
find_package(glm CONFIG REQUIRED)

# OpenBLAS: the CPU backend's sgemm. Debian's pkg-config file names the pthread variant.
pkg_check_modules(OPENBLAS REQUIRED IMPORTED_TARGET openblas)
add_library(nsb::openblas ALIAS PkgConfig::OPENBLAS)

# cpp-httplib 0.11.4 (serve and remote): Debian's compiled library; its pkg-config file carries the
# CPPHTTPLIB_*_SUPPORT definitions the library was built with, which the header must see the same.
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
find_package(OpenSSL REQUIRED)
add_library(nsb_httplib INTERFACE)
target_link_libraries(nsb_httplib INTERFACE PkgConfig::HTTPLIB OpenSSL::SSL Threads::Threads)
# httplib.h uses std::regex, in which GCC 12 at -O1 with the sanitizers (the asan preset) reports an
# uninitialised std::function (-Wmaybe-uninitialized, a false positive inside libstdc++) and -Werror
# stops the build: off for the targets that use httplib (nsb_remote and what links it).
target_compile_options(nsb_httplib INTERFACE $<$<CXX_COMPILER_ID:GNU>:-Wno-maybe-uninitialized>)
add_library(nsb::httplib ALIAS nsb_httplib)

# stb (PNG writing): header-only, implementation compiled once in the project.
find_path(STB_INCLUDE_DIR stb_image_write.h PATH_SUFFIXES stb REQUIRED)
add_library(nsb_stb INTERFACE)
target_include_directories(nsb_stb SYSTEM INTERFACE ${STB_INCLUDE_DIR})
add_library(nsb::stb ALIAS nsb_stb)

# Dear ImGui 1.86 from libimgui-dev: libimgui.a holds the core and the GLFW/Vulkan backends.
pkg_check_modules(IMGUI REQUIRED IMPORTED_TARGET imgui)
add_library(nsb_imgui INTERFACE)
target_link_libraries(nsb_imgui INTERFACE PkgConfig::IMGUI glfw Vulkan::Vulkan)
# The backends are included as <backends/imgui_impl_*.h> from the imgui include folder.
target_include_directories(nsb_imgui SYSTEM INTERFACE ${IMGUI_INCLUDE_DIRS})
add_library(nsb::imgui ALIAS nsb_imgui)

# VkFFT 1.2.26 (header-only) fills glslang 12's resource-limits struct by position and misses the nine
# mesh-shader fields glslang 12 added before maxDualSourceDrawBuffersEXT: generate a corrected copy in
# the build tree. The header is never copied into the repository.
find_file(VKFFT_HEADER vkFFT.h REQUIRED)
set(NSB_VKFFT_DIR ${CMAKE_BINARY_DIR}/generated/vkfft)
file(READ ${VKFFT_HEADER} _vkfft_text)
string(REGEX REPLACE "(/\\* \\.maxDualSourceDrawBuffersEXT = \\*/)" "256, 256, 128, 128, 128, 128, 128, 128, 4, \\1"
       _vkfft_patched "${_vkfft_text}")
string(FIND "${_vkfft_patched}" "128, 4, /* .maxDualSourceDrawBuffersEXT" _vkfft_fixed)
if(_vkfft_fixed EQUAL -1)
  message(FATAL_ERROR "vkFFT.h at ${VKFFT_HEADER} does not have the layout of 1.2.26: cannot patch it")
endif()
file(WRITE ${NSB_VKFFT_DIR}/vkFFT.h.tmp "${_vkfft_patched}")
file(COPY_FILE ${NSB_VKFFT_DIR}/vkFFT.h.tmp ${NSB_VKFFT_DIR}/vkFFT.h ONLY_IF_DIFFERENT)
add_library(nsb_vkfft INTERFACE)
target_include_directories(nsb_vkfft SYSTEM INTERFACE ${NSB_VKFFT_DIR})
target_compile_definitions(nsb_vkfft INTERFACE VKFFT_BACKEND=0)
target_link_libraries(nsb_vkfft INTERFACE Vulkan::Vulkan glslang::glslang glslang::SPIRV)
add_library(nsb::vkfft ALIAS nsb_vkfft)

if(NSB_TESTS)
  find_package(GTest REQUIRED)
endif()

# CUDA (the CUDA backend issue): AUTO enables it when a CUDA compiler is usable.
set(NSB_HAVE_CUDA OFF)
if(NOT NSB_CUDA STREQUAL "OFF")
  if(NOT CMAKE_CUDA_COMPILER AND EXISTS /usr/local/cuda/bin/nvcc)
    set(CMAKE_CUDA_COMPILER /usr/local/cuda/bin/nvcc)
  endif()
  include(CheckLanguage)
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    set(NSB_HAVE_CUDA ON)
  elseif(NSB_CUDA STREQUAL "ON")
    message(FATAL_ERROR "NSB_CUDA=ON but no usable CUDA compiler was found")
  else()
    message(STATUS "CUDA backend: off (no usable CUDA compiler)")
  endif()
endif()
