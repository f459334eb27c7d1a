# Bare-metal RV32 programs (ISS tests, the ISS benchmark) built with Debian's
# riscv64-unknown-elf-gcc. Without it the RV32 programs are skipped, and say so.
find_program(LOOMVP_RV32_CC riscv64-unknown-elf-gcc)
if(LOOMVP_RV32_CC)
  message(STATUS "RV32 programs: building with ${LOOMVP_RV32_CC}")
else()
  message(WARNING "riscv64-unknown-elf-gcc not found (Debian package gcc-riscv64-unknown-elf): "
                  "RV32 test programs and the ISS benchmark are skipped")
endif()
set(LOOMVP_RV32_FLAGS -march=rv32im_zicsr -mabi=ilp32 -nostdlib -nostartfiles -static
    -Wl,--no-warn-rwx-segments)

# loomvp_rv32_program(<output.elf> LINKER_SCRIPT <ld> SOURCES <files...> [FLAGS <flags...>]
#                     [DEPENDS <headers...>])
# Adds a custom command building <output.elf>; the caller depends on the file.
function(loomvp_rv32_program output)
  cmake_parse_arguments(ARG "" "LINKER_SCRIPT" "SOURCES;FLAGS;DEPENDS" ${ARGN})
  set(sources)
  foreach(source ${ARG_SOURCES})
    list(APPEND sources ${CMAKE_CURRENT_SOURCE_DIR}/${source})
  endforeach()
  set(script ${CMAKE_CURRENT_SOURCE_DIR}/${ARG_LINKER_SCRIPT})
  add_custom_command(OUTPUT ${output}
    COMMAND ${LOOMVP_RV32_CC} ${LOOMVP_RV32_FLAGS} ${ARG_FLAGS} -I${CMAKE_CURRENT_SOURCE_DIR}
            -T ${script} ${sources} -o ${output}
    DEPENDS ${sources} ${script} ${ARG_DEPENDS}
    COMMENT "RV32 program ${output}"
    VERBATIM)
endfunction()

# A CTest entry that reports the RV32 part as skipped (never a silent pass).
function(loomvp_rv32_skipped_test name)
  add_test(NAME ${name} COMMAND sh -c "echo 'SKIPPED: riscv64-unknown-elf-gcc is not installed'; exit 77")
  set_tests_properties(${name} PROPERTIES SKIP_RETURN_CODE 77)
endfunction()
