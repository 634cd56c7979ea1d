# Adds every direct subdirectory of the current source dir that has a CMakeLists.txt,
# except those named in OCTO_SKIP_DIRS (paths relative to the source root, for building a
# subset while a folder is being reworked).
set(OCTO_SKIP_DIRS "" CACHE STRING "Source folders to leave out of the build")
macro(octo_add_all_subdirectories)
  file(GLOB _octo_children LIST_DIRECTORIES true RELATIVE ${CMAKE_CURRENT_SOURCE_DIR}
       ${CMAKE_CURRENT_SOURCE_DIR}/*)
  list(SORT _octo_children)
  foreach(_octo_child IN LISTS _octo_children)
    file(RELATIVE_PATH _octo_rel ${CMAKE_SOURCE_DIR} ${CMAKE_CURRENT_SOURCE_DIR}/${_octo_child})
    if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/${_octo_child}/CMakeLists.txt
       AND NOT _octo_rel IN_LIST OCTO_SKIP_DIRS)
      add_subdirectory(${_octo_child})
    endif()
  endforeach()
endmacro()
