# `cmake --install`: the loomvp binary, its data under share/loomvp (found at
# run time relative to the binary, platform/paths.h), and the models as a
# library others link: CMake package LoomVP (target LoomVP::models) and
# pkg-config file loomvp.pc. Then CPack builds a .deb of the same install.
include(CMakePackageConfigHelpers)

set(LOOMVP_DATA_DIR ${CMAKE_INSTALL_DATADIR}/loomvp)
install(TARGETS loomvp RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY platform/configs DESTINATION ${LOOMVP_DATA_DIR}/platform)
install(DIRECTORY workloads DESTINATION ${LOOMVP_DATA_DIR})
# tools/: the network importer the binary runs to generate bundles (platform/networks.cpp).
install(DIRECTORY tools DESTINATION ${LOOMVP_DATA_DIR} FILES_MATCHING PATTERN "*.py" PATTERN "__pycache__" EXCLUDE)
install(DIRECTORY firmware DESTINATION ${LOOMVP_DATA_DIR}
        FILES_MATCHING PATTERN "*.h" PATTERN "*.c" PATTERN "*.S" PATTERN "*.ld")
if(LOOMVP_HAVE_RV32)
  install(FILES ${CMAKE_BINARY_DIR}/rv32/loom_firmware.elf
                ${CMAKE_BINARY_DIR}/firmware/bench/iss_bench.elf
          DESTINATION ${LOOMVP_DATA_DIR}/rv32)
endif()

# The models library: public headers are the models' interfaces and the
# register/SoC-map headers they include, under include/loomvp/ with their
# source-tree paths (#include "models/loom/loom.h").
set_target_properties(loomvp_models PROPERTIES EXPORT_NAME models OUTPUT_NAME loomvp_models)
install(TARGETS loomvp_models EXPORT LoomVPTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(DIRECTORY models DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/loomvp FILES_MATCHING PATTERN "*.h")
install(FILES firmware/include/loom_regs.h firmware/include/soc_map.h
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/loomvp/firmware/include)

set(LOOMVP_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/LoomVP)
install(EXPORT LoomVPTargets NAMESPACE LoomVP:: DESTINATION ${LOOMVP_CMAKE_DIR})
file(WRITE ${CMAKE_BINARY_DIR}/LoomVPConfig.cmake [=[
# LoomVP models: find_package(LoomVP) gives the static library LoomVP::models.
include(CMakeFindDependencyMacro)
find_dependency(PkgConfig)
pkg_check_modules(SYSTEMC REQUIRED IMPORTED_TARGET systemc)
include("${CMAKE_CURRENT_LIST_DIR}/LoomVPTargets.cmake")
]=])
write_basic_package_version_file(${CMAKE_BINARY_DIR}/LoomVPConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/LoomVPConfig.cmake ${CMAKE_BINARY_DIR}/LoomVPConfigVersion.cmake
        DESTINATION ${LOOMVP_CMAKE_DIR})

# pkg-config: paths relative to the .pc file, so a moved prefix still works.
set(LOOMVP_PC_DIR ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
file(RELATIVE_PATH pc_to_prefix /${LOOMVP_PC_DIR} /)
file(WRITE ${CMAKE_BINARY_DIR}/loomvp.pc
"prefix=\${pcfiledir}/${pc_to_prefix}
libdir=\${prefix}/${CMAKE_INSTALL_LIBDIR}
includedir=\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}/loomvp

Name: loomvp
Description: LoomVP SystemC/TLM models (Loom accelerator, memory, interconnect, CPUs, peripherals)
Version: ${PROJECT_VERSION}
Requires: systemc
Libs: -L\${libdir} -lloomvp_models
Cflags: -I\${includedir} -std=c++17
")
install(FILES ${CMAKE_BINARY_DIR}/loomvp.pc DESTINATION ${LOOMVP_PC_DIR})

# .deb of the install above (`cpack -G DEB` in the build tree).
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME loomvp)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "LoomVP team <loomvp@example.org>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Virtual platform of a mobile SoC with the Loom CNN accelerator")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libsystemc-dev")  # the headers and library LoomVP::models users need
include(CPack)
