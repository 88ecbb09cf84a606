# Fixes to third-party sources that MetaLab compiles from a copy in the build
# folder (never from /usr/include or the unpacked sources): each fix replaces
# one exact piece of text. A copy that already reads the fixed way is left
# alone; a source that reads neither way stops the configuration, since a new
# version may no longer need the fix (or need another). The copy is written
# only when its content changes, so what includes it is not rebuilt at every
# configure. Used by core/io/stb_image_fixes.cmake and web/cmake/imgui_fixes.cmake.
#
#   set(old_<name> [=[...]=])  set(new_<name> [=[...]=])   # for each fix
#   metalab_apply_source_fixes(<input> <output> <where the fixes are described> <name>...)
function(metalab_apply_source_fixes input output described_in)
  file(READ "${input}" text)
  foreach(name ${ARGN})
    string(FIND "${text}" "${new_${name}}" fixed)
    if(fixed GREATER -1)
      continue()
    endif()
    string(FIND "${text}" "${old_${name}}" at)
    if(at EQUAL -1)
      message(FATAL_ERROR "${input} does not read as expected for fix '${name}' (${described_in}): "
                          "a new version? Check whether it still needs the fix.")
    endif()
    string(REPLACE "${old_${name}}" "${new_${name}}" text "${text}")
  endforeach()
  file(WRITE "${output}.new" "${text}")
  configure_file("${output}.new" "${output}" COPYONLY)
  file(REMOVE "${output}.new")
endfunction()
