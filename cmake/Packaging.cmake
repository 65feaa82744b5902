# Man pages, installation layout and the Debian package (CPack DEB): `scripts/package` builds
# build/rtprelay_VERSION_ARCH.deb. Included from the top-level CMakeLists.txt.
#
# Installed (CPACK_PACKAGING_INSTALL_PREFIX is /usr; the other paths are absolute on purpose,
# they are where Debian's tools look):
#   /usr/bin/rtprelayd, /usr/bin/rtprelay-ctl          (install rules next to the targets)
#   /etc/rtprelay/rtprelay.conf                         conffile, from etc/rtprelay.conf
#   /lib/systemd/system/rtprelay.service                Type=notify, enabled by postinst
#   /lib/systemd/system/rtprelay-forking.service        Type=forking alternative, not enabled
#   /etc/rsyslog.d/rtprelay.conf                        conffile
#   /etc/logrotate.d/rtprelay                           conffile
#   /usr/lib/sysctl.d/90-rtprelay.conf
#   /usr/share/man/man8/rtprelayd.8.gz, rtprelay-ctl.8.gz
#   /usr/lib/rtprelay/rtprelay.bpf.o                    the BPF object the daemon embeds, for
#                                                       inspection with bpftool
#   /usr/share/doc/rtprelay/README.md

set(RTPRELAY_PACKAGING_DIR ${PROJECT_SOURCE_DIR}/packaging)

# --- man pages: markdown in docs/man, rendered by pandoc at build time -------------------------
find_program(RTPRELAY_PANDOC pandoc)
if(NOT RTPRELAY_PANDOC)
  message(FATAL_ERROR "rtprelay man pages: pandoc not found; it renders docs/man/*.8.md "
                      "(Debian: apt-get install pandoc, or run scripts/setup)")
endif()
set(man_pages)
foreach(page rtprelayd rtprelay-ctl)
  set(source ${PROJECT_SOURCE_DIR}/docs/man/${page}.8.md)
  set(output ${PROJECT_BINARY_DIR}/man/${page}.8.gz)
  # gzip -n: no name or time stamp in the archive, so the package is reproducible.
  add_custom_command(
    OUTPUT ${output}
    COMMAND ${RTPRELAY_PANDOC} -s -t man "-Mfooter=rtprelay ${PROJECT_VERSION}"
            -Mheader=rtprelay -o ${page}.8 ${source}
    COMMAND gzip -9nf ${page}.8
    DEPENDS ${source}
    WORKING_DIRECTORY ${PROJECT_BINARY_DIR}/man
    COMMENT "Rendering the man page ${page}(8)"
    VERBATIM)
  list(APPEND man_pages ${output})
endforeach()
file(MAKE_DIRECTORY ${PROJECT_BINARY_DIR}/man)
add_custom_target(man ALL DEPENDS ${man_pages})
install(FILES ${man_pages} DESTINATION share/man/man8)

# --- configuration, units, logging, kernel settings -------------------------------------------
install(FILES ${PROJECT_SOURCE_DIR}/etc/rtprelay.conf DESTINATION /etc/rtprelay)
install(FILES ${RTPRELAY_PACKAGING_DIR}/systemd/rtprelay.service
              ${RTPRELAY_PACKAGING_DIR}/systemd/rtprelay-forking.service
        DESTINATION /lib/systemd/system)
install(FILES ${RTPRELAY_PACKAGING_DIR}/rsyslog.d/rtprelay.conf DESTINATION /etc/rsyslog.d)
install(FILES ${RTPRELAY_PACKAGING_DIR}/logrotate.d/rtprelay DESTINATION /etc/logrotate.d)
install(FILES ${RTPRELAY_PACKAGING_DIR}/sysctl.d/90-rtprelay.conf DESTINATION /usr/lib/sysctl.d)
install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION share/doc/rtprelay)
# Built in src/kernel as the input of the skeleton the daemon embeds.
if(TARGET rtprelay_kernel)
  install(FILES ${PROJECT_BINARY_DIR}/src/kernel/gen/rtprelay.bpf.o DESTINATION lib/rtprelay)
endif()

# --- Debian package ---------------------------------------------------------------------------
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME rtprelay)
set(CPACK_PACKAGE_VENDOR rtprelay)
set(CPACK_PACKAGE_CONTACT "rtprelay maintainers <rtprelay@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "media proxy for SIP, drop-in replacement for rtpengine")
string(CONCAT CPACK_PACKAGE_DESCRIPTION
       "rtprelay relays RTP/RTCP for SIP proxies (Kamailio, OpenSIPS) speaking rtpengine's ng\n"
       "control protocol, with an eBPF fast path in the kernel and daemon-managed nftables.\n"
       "It reads rtpengine.conf and answers rtpengine-ctl.")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# dpkg-shlibdeps computes Depends from the binaries (libc, libstdc++, libbpf, libnftables,
# libsystemd, libfmt, libspdlog, ...).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "rsyslog, logrotate")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "bpftool, nftables")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${RTPRELAY_PACKAGING_DIR}/debian/conffiles ${RTPRELAY_PACKAGING_DIR}/debian/postinst
    ${RTPRELAY_PACKAGING_DIR}/debian/prerm ${RTPRELAY_PACKAGING_DIR}/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
# The absolute destinations above are meant for the package.
set(CPACK_WARN_ON_ABSOLUTE_INSTALL_DESTINATION OFF)
include(CPack)
