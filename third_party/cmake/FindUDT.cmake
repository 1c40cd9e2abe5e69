# FindUDT
# -------
# Finds UDT4, the UDP-based data transfer library Sector's data channel speaks.
# Debian 12's libudt-dev ships no CMake or pkg-config file, hence this module.
#
# Debian installs the headers in <prefix>/include/udt/ (udt.h, ccc.h, ...) and the
# library as <prefix>/lib/libudt.so. Because the header names are generic (common.h,
# list.h, queue.h), only <prefix>/include is put on the include path: code writes
#   #include <udt/udt.h>
#
# Imported target:
#   UDT::UDT            the library, with its include directory and thread dependency
#
# Result variables:
#   UDT_FOUND           true when both the header and the library were found
#   UDT_INCLUDE_DIRS    directory to add so that <udt/udt.h> resolves
#   UDT_LIBRARIES       the library to link
#   UDT_VERSION         upstream version ("4.11"), or "unknown"; UDT has no version macro or
#                       call, so it is read from the Debian package that ships the library
#
# Cache variables (may be set to point at a non-standard install):
#   UDT_INCLUDE_DIR, UDT_LIBRARY, UDT_STATIC_LIBRARY
# Hints: UDT_ROOT (CMake >= 3.12 searches <UDT_ROOT>/include and <UDT_ROOT>/lib);
#   UDT_USE_STATIC_LIBS=ON links libudt.a (Debian's is position-independent).
#
# REQUIRED and QUIET behave as for any find module.

find_path(UDT_INCLUDE_DIR
  NAMES udt/udt.h
  DOC "Directory containing udt/udt.h")

if(UDT_USE_STATIC_LIBS)
  # Its own cache variable, so that switching the hint in an existing build dir takes effect.
  find_library(UDT_STATIC_LIBRARY
    NAMES libudt.a
    DOC "UDT4 static library (libudt.a)")
  set(_udt_library_var UDT_STATIC_LIBRARY)
else()
  find_library(UDT_LIBRARY
    NAMES udt
    DOC "UDT4 library (libudt)")
  set(_udt_library_var UDT_LIBRARY)
endif()

if(NOT UDT_VERSION AND ${_udt_library_var})
  set(UDT_VERSION "unknown")
  find_program(_udt_dpkg dpkg)
  find_program(_udt_dpkg_query dpkg-query)
  mark_as_advanced(_udt_dpkg _udt_dpkg_query)
  if(_udt_dpkg AND _udt_dpkg_query)
    get_filename_component(_udt_real "${${_udt_library_var}}" REALPATH)
    execute_process(COMMAND "${_udt_dpkg}" -S "${_udt_real}"
      OUTPUT_VARIABLE _udt_owner ERROR_QUIET OUTPUT_STRIP_TRAILING_WHITESPACE)
    if(_udt_owner MATCHES "^([^:, ]+)")
      execute_process(COMMAND "${_udt_dpkg_query}" -W "-f=\${Version}" "${CMAKE_MATCH_1}"
        OUTPUT_VARIABLE _udt_deb_version ERROR_QUIET OUTPUT_STRIP_TRAILING_WHITESPACE)
      # "4.11+dfsg1-1+b1" -> "4.11"
      if(_udt_deb_version MATCHES "^([0-9]+:)?([0-9][0-9.]*)")
        set(UDT_VERSION "${CMAKE_MATCH_2}")
      endif()
    endif()
  endif()
endif()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(UDT
  REQUIRED_VARS ${_udt_library_var} UDT_INCLUDE_DIR
  VERSION_VAR UDT_VERSION
  REASON_FAILURE_MESSAGE "On Debian/Ubuntu: apt-get install libudt-dev")

if(UDT_FOUND)
  set(UDT_INCLUDE_DIRS "${UDT_INCLUDE_DIR}")
  set(UDT_LIBRARIES "${${_udt_library_var}}")

  if(NOT TARGET UDT::UDT)
    # UDT runs its own sender/receiver threads; a static libudt.a needs pthreads spelt out.
    if(NOT TARGET Threads::Threads)
      find_package(Threads QUIET)
    endif()
    add_library(UDT::UDT UNKNOWN IMPORTED)
    set_target_properties(UDT::UDT PROPERTIES
      IMPORTED_LOCATION "${UDT_LIBRARIES}"
      IMPORTED_LINK_INTERFACE_LANGUAGES "CXX"
      INTERFACE_INCLUDE_DIRECTORIES "${UDT_INCLUDE_DIR}")
    if(TARGET Threads::Threads)
      set_property(TARGET UDT::UDT APPEND PROPERTY INTERFACE_LINK_LIBRARIES Threads::Threads)
    endif()
  endif()
endif()

mark_as_advanced(UDT_INCLUDE_DIR UDT_LIBRARY UDT_STATIC_LIBRARY)
