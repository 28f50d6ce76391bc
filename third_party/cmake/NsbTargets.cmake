# nsb_module(NAME [DEPS targets...]): the static library nsb_NAME from engine/NAME/*.cpp (and sub-folders
# listed in SUBDIRS), with engine/ as include root and warnings as errors.
set(NSB_WARNINGS -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion -Wno-missing-field-initializers -Werror)

function(nsb_warnings target)
  target_compile_options(${target} PRIVATE $<$<COMPILE_LANGUAGE:CXX>:${NSB_WARNINGS}>)
endfunction()

function(nsb_module name)
  cmake_parse_arguments(ARG "" "" "DEPS;SUBDIRS" ${ARGN})
  set(dir ${PROJECT_SOURCE_DIR}/engine/${name})
  file(GLOB sources CONFIGURE_DEPENDS ${dir}/*.cpp)
  foreach(sub IN LISTS ARG_SUBDIRS)
    file(GLOB sub_sources CONFIGURE_DEPENDS ${dir}/${sub}/*.cpp)
    list(APPEND sources ${sub_sources})
  endforeach()
  add_library(nsb_${name} STATIC ${sources})
  target_include_directories(nsb_${name} PUBLIC ${PROJECT_SOURCE_DIR}/engine)
  target_link_libraries(nsb_${name} PUBLIC ${ARG_DEPS})
  nsb_warnings(nsb_${name})
endfunction()

# nsb_embed_text(TARGET FUNCTION files...): compiles the text of `files` into TARGET as
# nsb::core::FUNCTION() (see engine/core/Embedded.h), regenerated when a file changes.
function(nsb_embed_text target function)
  set(out ${CMAKE_BINARY_DIR}/generated/embedded/${function}.cpp)
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -DOUT=${out} -DFUNCTION=${function} "-DFILES=${ARGN}"
            -P ${PROJECT_SOURCE_DIR}/third_party/cmake/EmbedText.cmake
    DEPENDS ${ARGN} ${PROJECT_SOURCE_DIR}/third_party/cmake/EmbedText.cmake
    VERBATIM)
  target_sources(${target} PRIVATE ${out})
endfunction()
