# SPDX-License-Identifier: LGPL-2.1-or-later
# The library users link: libcamrec.so (versioned SONAME, only the public API of include/
# exported, see libcamrec.map) and libcamrec.a, both made of the objects of every layer; and what
# `cmake --install` puts on a system: the libraries, the public headers, the CMake package
# (find_package(camrec) → camrec::camrec), camrec.pc, the camrec CLI, its man page and its
# bash completion.
# Debian's multiarch folder under any prefix: the dynamic loader and pkg-config search
# /usr/local/lib/<arch> as well as /usr/lib/<arch>.
if(CMAKE_LIBRARY_ARCHITECTURE AND NOT DEFINED CACHE{CMAKE_INSTALL_LIBDIR})
  set(CMAKE_INSTALL_LIBDIR lib/${CMAKE_LIBRARY_ARCHITECTURE} CACHE PATH "Object code libraries (lib)")
endif()
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)
# `make install` and CPack install what is built, without first building every test.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)

get_property(camrec_layers GLOBAL PROPERTY CAMREC_LAYERS)
set(camrec_objects)
foreach(layer ${camrec_layers})
  list(APPEND camrec_objects $<TARGET_OBJECTS:${layer}>)
endforeach()

# External libraries of the layers, as -l names: what a static link of libcamrec.a needs.
# The codec and device libraries are not among them: camrec opens them with dlopen when it
# first needs one (src/libs), so a program linking libcamrec only needs them at run time.
set(camrec_external_libs ${CMAKE_DL_LIBS})

set(camrec_public_includes
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include> $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include/k230>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}> $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}/k230>)

add_library(camrec_shared SHARED ${camrec_objects})
set_target_properties(camrec_shared PROPERTIES OUTPUT_NAME camrec EXPORT_NAME camrec
                      VERSION ${PROJECT_VERSION} SOVERSION ${PROJECT_VERSION_MAJOR})
target_include_directories(camrec_shared INTERFACE ${camrec_public_includes})
# The layers' archives come after their own objects, so the linker takes nothing from them
# but their external libraries (x264, x265, ...), which they carry as usage requirements.
target_link_libraries(camrec_shared PRIVATE $<BUILD_INTERFACE:camrec_capi>)
# Every symbol must resolve inside the library or its dependencies (a missing one would only
# show when a user's program loads it); only the public API is exported.
target_link_options(camrec_shared PRIVATE -Wl,--no-undefined
                    -Wl,--version-script=${PROJECT_SOURCE_DIR}/cmake/libcamrec.map)
set_property(TARGET camrec_shared APPEND PROPERTY LINK_DEPENDS ${PROJECT_SOURCE_DIR}/cmake/libcamrec.map)

add_library(camrec_static STATIC ${camrec_objects})
set_target_properties(camrec_static PROPERTIES OUTPUT_NAME camrec EXPORT_NAME camrec_static)
target_include_directories(camrec_static INTERFACE ${camrec_public_includes})
target_link_libraries(camrec_static INTERFACE $<BUILD_INTERFACE:camrec_capi>
                      $<INSTALL_INTERFACE:${camrec_external_libs}> $<INSTALL_INTERFACE:Threads::Threads>)

add_library(camrec::camrec ALIAS camrec_shared)
add_library(camrec::camrec_static ALIAS camrec_static)

install(TARGETS camrec_shared camrec_static EXPORT camrecTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT runtime NAMELINK_COMPONENT dev
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev)
if(TARGET camrec_cli)
  install(TARGETS camrec_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT runtime)
endif()
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/camrec ${PROJECT_SOURCE_DIR}/include/k230
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT dev FILES_MATCHING PATTERN "*.h")

set(camrec_cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/camrec)
install(EXPORT camrecTargets NAMESPACE camrec:: DESTINATION ${camrec_cmake_dir} COMPONENT dev)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/camrecConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/camrecConfig.cmake INSTALL_DESTINATION ${camrec_cmake_dir})
# 0.x releases may break the API between minor versions.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/camrecConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/camrecConfig.cmake ${PROJECT_BINARY_DIR}/camrecConfigVersion.cmake
        DESTINATION ${camrec_cmake_dir} COMPONENT dev)

# camrec.pc names the prefix given at install time (cmake --install --prefix, CPack's /usr),
# not the one configured.
list(TRANSFORM camrec_external_libs PREPEND -l OUTPUT_VARIABLE camrec_pc_libs)
string(JOIN " " CAMREC_PC_LIBS_PRIVATE ${camrec_pc_libs} -pthread -lstdc++ -lm)
set(CAMREC_PC_PREFIX "@CAMREC_PC_PREFIX@")  # kept for the install-time pass below
configure_file(${PROJECT_SOURCE_DIR}/cmake/camrec.pc.in ${PROJECT_BINARY_DIR}/camrec.pc.in.configured @ONLY)
install(CODE "
  set(CAMREC_PC_PREFIX \"\${CMAKE_INSTALL_PREFIX}\")
  configure_file(\"${PROJECT_BINARY_DIR}/camrec.pc.in.configured\" \"${PROJECT_BINARY_DIR}/camrec.pc\" @ONLY)
" COMPONENT dev)
install(FILES ${PROJECT_BINARY_DIR}/camrec.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT dev)

# Debian wants manual pages compressed, without a timestamp (gzip -n) so builds are reproducible.
find_program(GZIP_PROGRAM gzip REQUIRED)
add_custom_command(OUTPUT ${PROJECT_BINARY_DIR}/camrec.1.gz
                   COMMAND ${GZIP_PROGRAM} -9n -c ${PROJECT_SOURCE_DIR}/packaging/camrec.1 > ${PROJECT_BINARY_DIR}/camrec.1.gz
                   DEPENDS ${PROJECT_SOURCE_DIR}/packaging/camrec.1 VERBATIM)
add_custom_target(camrec_man ALL DEPENDS ${PROJECT_BINARY_DIR}/camrec.1.gz)
install(FILES ${PROJECT_BINARY_DIR}/camrec.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT runtime)
install(FILES ${PROJECT_SOURCE_DIR}/packaging/camrec.bash-completion
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME camrec COMPONENT runtime)
