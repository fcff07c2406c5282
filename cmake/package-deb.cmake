# SPDX-License-Identifier: LGPL-2.1-or-later
# `make deb`: CPack builds camrec_<version>_amd64.deb (the CLI, libcamrec.so.N, the man page,
# the bash completion) and camrec-dev_<version>_amd64.deb (headers, libcamrec.a, the .so link,
# the CMake package and camrec.pc). Depends of the runtime package come from the ELF files
# through dpkg-shlibdeps, plus the packages holding the codec and device libraries camrec
# opens with dlopen (src/libs), which no ELF file names: found by asking dpkg who owns the
# exact files the build was made against (camrec_soname_files), so they follow whatever
# x264/x265/... the build used.
set(CAMREC_DEB_MAINTAINER "camrec maintainers <maintainers@camrec.invalid>"
    CACHE STRING "Maintainer field of the Debian packages")

# Debian policy 12.5/12.7: every package carries its copyright file and changelog, compressed
# without a timestamp (a native package's is changelog.gz).
add_custom_command(OUTPUT ${PROJECT_BINARY_DIR}/changelog.gz
                   COMMAND ${GZIP_PROGRAM} -9n -c ${PROJECT_SOURCE_DIR}/packaging/changelog > ${PROJECT_BINARY_DIR}/changelog.gz
                   DEPENDS ${PROJECT_SOURCE_DIR}/packaging/changelog VERBATIM)
add_custom_target(camrec_changelog ALL DEPENDS ${PROJECT_BINARY_DIR}/changelog.gz)
foreach(component runtime dev)
  set(package camrec)
  if(component STREQUAL dev)
    set(package camrec-dev)
  endif()
  install(FILES ${PROJECT_SOURCE_DIR}/packaging/copyright ${PROJECT_BINARY_DIR}/changelog.gz
          DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/${package} COMPONENT ${component})
endforeach()

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME camrec)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "${CAMREC_DEB_MAINTAINER}")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL runtime dev)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION video)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME camrec)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SHLIBDEPS ON)
find_program(DPKG_QUERY_PROGRAM dpkg-query)
set(camrec_dlopen_packages)
if(DPKG_QUERY_PROGRAM)
  foreach(file ${camrec_soname_files})
    execute_process(COMMAND ${DPKG_QUERY_PROGRAM} -S ${file} OUTPUT_VARIABLE owner RESULT_VARIABLE rc ERROR_QUIET)
    if(NOT rc EQUAL 0)  # registered under its real path (a /lib vs /usr/lib merge)
      file(REAL_PATH ${file} real)
      execute_process(COMMAND ${DPKG_QUERY_PROGRAM} -S ${real} OUTPUT_VARIABLE owner RESULT_VARIABLE rc ERROR_QUIET)
    endif()
    if(rc EQUAL 0 AND owner MATCHES "^([^:,]+)")
      list(APPEND camrec_dlopen_packages ${CMAKE_MATCH_1})
    else()
      message(WARNING "no Debian package owns ${file}: the camrec package will not depend on it")
    endif()
  endforeach()
endif()
list(REMOVE_DUPLICATES camrec_dlopen_packages)
# CPack appends what dpkg-shlibdeps finds to these.
string(JOIN ", " CPACK_DEBIAN_RUNTIME_PACKAGE_DEPENDS ${camrec_dlopen_packages})
# A shlibs file (other packages' dpkg-shlibdeps find libcamrec.so.N in it) and the ldconfig
# trigger that refreshes the loader cache on install and removal (Debian policy 8.1.1).
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS_POLICY ">=")
set(CPACK_DEBIAN_RUNTIME_PACKAGE_CONTROL_EXTRA ${PROJECT_SOURCE_DIR}/packaging/triggers)
set(CPACK_DEBIAN_RUNTIME_DESCRIPTION "record camera video and audio to crash-safe MP4
camrec records video from V4L2 cameras, files or a test pattern, encodes it
with x264 or x265, adds G.711 or Opus audio and writes MP4 files that stay
playable after a crash, a power cut or a full disk. It re-implements the
Kendryte K230 recording API (kd_mp4 C functions, Sensor, Encoder,
MediaManager, Mp4Container).

This package holds the camrec command-line tool and the shared library.")
set(CPACK_DEBIAN_DEV_PACKAGE_NAME camrec-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
# The static library links nothing but the C and C++ runtimes: the codec libraries are opened
# at run time, from the runtime package's Depends.
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS "camrec (= ${PROJECT_VERSION})")
set(CPACK_DEBIAN_DEV_DESCRIPTION "development files for camrec (crash-safe MP4 recording)
camrec records camera video and audio to MP4 files that stay playable after a
crash. This package holds the C and C++ headers (including the K230
mp4_format.h), the static library, the CMake package (find_package(camrec))
and the pkg-config file.")
include(CPack)
