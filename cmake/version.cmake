# loomvp_version.h: the project version and the source revision (git describe
# at configure time; "unknown" outside a git checkout), for `loomvp --version`
# and the stats files.
find_package(Git QUIET)
set(LOOMVP_REVISION unknown)
if(GIT_FOUND)
  execute_process(COMMAND ${GIT_EXECUTABLE} describe --always --dirty --tags
                  WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}
                  OUTPUT_VARIABLE git_revision OUTPUT_STRIP_TRAILING_WHITESPACE
                  RESULT_VARIABLE git_result ERROR_QUIET)
  if(git_result EQUAL 0 AND git_revision)
    set(LOOMVP_REVISION ${git_revision})
  endif()
endif()
set(LOOMVP_GENERATED_DIR ${CMAKE_BINARY_DIR}/generated)
file(WRITE ${LOOMVP_GENERATED_DIR}/loomvp_version.h.in
     "#pragma once\n#define LOOMVP_VERSION \"@PROJECT_VERSION@\"\n#define LOOMVP_REVISION \"@LOOMVP_REVISION@\"\n")
configure_file(${LOOMVP_GENERATED_DIR}/loomvp_version.h.in ${LOOMVP_GENERATED_DIR}/loomvp_version.h @ONLY)
target_include_directories(loomvp_platform PUBLIC $<BUILD_INTERFACE:${LOOMVP_GENERATED_DIR}>)
