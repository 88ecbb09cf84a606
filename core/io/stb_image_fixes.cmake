# Fixes for Debian 12's stb_image 2.27 (libstb-dev 0.0~git20220908), applied
# to the copy of stb_image.h that core/io/images.cpp compiles (never to
# /usr/include). Each one is a memory-safety bug on malformed input that the
# fuzz targets found (tests/fuzz/regressions/image*/ hold the inputs):
#   dht_sizes   a JPEG Huffman table (DHT) whose 16 code counts sum past 256
#               wrote past the table's 257 sizes and 256 values (UBSan: index
#               257 out of bounds in stbi__build_huffman).
# Each fix replaces one exact piece of the header; a header that already
# reads the fixed way is left alone, and one that reads neither way stops
# the configuration (a new stb_image: check whether the bug is still there).
#
#   metalab_fix_stb_image(<input header> <output header>)
function(metalab_fix_stb_image input output)
  file(READ "${input}" text)
  set(names dht_sizes)
  set(old_dht_sizes [=[            for (i=0; i < 16; ++i) {
               sizes[i] = stbi__get8(z->s);
               n += sizes[i];
            }
            L -= 17;]=])
  set(new_dht_sizes [=[            for (i=0; i < 16; ++i) {
               sizes[i] = stbi__get8(z->s);
               n += sizes[i];
            }
            if (n > 256) return stbi__err("bad DHT header","Corrupt JPEG"); /* MetaLab: at most 256 codes */
            L -= 17;]=])
  foreach(name ${names})
    string(FIND "${text}" "${new_${name}}" fixed)
    if(fixed GREATER -1)
      continue()
    endif()
    string(FIND "${text}" "${old_${name}}" at)
    if(at EQUAL -1)
      message(FATAL_ERROR "stb_image.h (${input}) does not read as expected for fix '${name}' "
                          "(core/io/stb_image_fixes.cmake): a new version? Check whether the bug is still there.")
    endif()
    string(REPLACE "${old_${name}}" "${new_${name}}" text "${text}")
  endforeach()
  # Written only when the content changes, so images.cpp is not rebuilt at every configure.
  file(WRITE "${output}.new" "${text}")
  configure_file("${output}.new" "${output}" COPYONLY)
  file(REMOVE "${output}.new")
endfunction()
