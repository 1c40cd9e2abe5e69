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
#
# Cache variables (may be set to point at a non-standard install):
#   UDT_INCLUDE_DIR, UDT_LIBRARY
# Hint: UDT_ROOT (CMake >= 3.12 searches <UDT_ROOT>/include and <UDT_ROOT>/lib).
#
# REQUIRED and QUIET behave as for any find module.

find_path(UDT_INCLUDE_DIR
  NAMES udt/udt.h
  DOC "Directory containing udt/udt.h")

find_library(UDT_LIBRARY
  NAMES udt
  DOC "UDT4 library (libudt)")

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(UDT
  REQUIRED_VARS UDT_LIBRARY UDT_INCLUDE_DIR
  REASON_FAILURE_MESSAGE "On Debian/Ubuntu: apt-get install libudt-dev")

if(UDT_FOUND)
  set(UDT_INCLUDE_DIRS "${UDT_INCLUDE_DIR}")
  set(UDT_LIBRARIES "${UDT_LIBRARY}")

  if(NOT TARGET UDT::UDT)
    # UDT runs its own sender/receiver threads; a static libudt.a needs pthreads spelt out.
    if(NOT TARGET Threads::Threads)
      find_package(Threads QUIET)
    endif()
    add_library(UDT::UDT UNKNOWN IMPORTED)
    set_target_properties(UDT::UDT PROPERTIES
      IMPORTED_LOCATION "${UDT_LIBRARY}"
      IMPORTED_LINK_INTERFACE_LANGUAGES "CXX"
      INTERFACE_INCLUDE_DIRECTORIES "${UDT_INCLUDE_DIR}")
    if(TARGET Threads::Threads)
      set_property(TARGET UDT::UDT APPEND PROPERTY INTERFACE_LINK_LIBRARIES Threads::Threads)
    endif()
  endif()
endif()

mark_as_advanced(UDT_INCLUDE_DIR UDT_LIBRARY)
