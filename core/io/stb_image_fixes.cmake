# Fixes for Debian 12's stb_image 2.27 (libstb-dev 0.0~git20220908), applied
# to the copy of stb_image.h that core/io/images.cpp compiles (never to
# /usr/include). Each one is a memory-safety bug on malformed input that the
# fuzz targets found (tests/fuzz/regressions/image*/ hold the inputs):
#   dht_sizes   a JPEG Huffman table (DHT) whose 16 code counts sum past 256
#               wrote past the table's 257 sizes and 256 values (UBSan: index
#               257 out of bounds in stbi__build_huffman).
#   idat_length a PNG IDAT chunk whose length field claims more bytes than
#               the file has left: stb grew its buffer to the claimed size
#               (2 GiB) before reading a byte (libFuzzer: out-of-memory in
#               stbi__parse_png_file). Only memory input is used here, so the
#               bytes left are known. An empty IDAT chunk before any other
#               copied 0 bytes to a null buffer (UBSan: memcpy of null).
#   jpeg_zeroed a JPEG that uses a Huffman or quantisation table it never
#               defined read the decoder's uninitialised heap memory, so the
#               same file decoded on one call and failed on the next (stb 2.28
#               zeroes the decoder the same way).
# Each fix replaces one exact piece of the header; a header that already
# reads the fixed way is left alone, and one that reads neither way stops
# the configuration (a new stb_image: check whether the bug is still there).
#
#   metalab_fix_stb_image(<input header> <output header>)
function(metalab_fix_stb_image input output)
  file(READ "${input}" text)
  set(names dht_sizes idat_length jpeg_zeroed)
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
  set(old_idat_length [=[            if ((int)(ioff + c.length) < (int)ioff) return 0;
            if (ioff + c.length > idata_limit) {]=])
  set(new_idat_length [=[            if ((int)(ioff + c.length) < (int)ioff) return 0;
            if (c.length > (stbi__uint32)(s->img_buffer_end - s->img_buffer)) return stbi__err("outofdata","Corrupt PNG"); /* MetaLab: no more than the file holds */
            if (c.length == 0) break; /* MetaLab: an empty chunk has nothing to copy (and there may be no buffer yet) */
            if (ioff + c.length > idata_limit) {]=])
  set(old_jpeg_zeroed [=[   if (!j) return stbi__errpuc("outofmem", "Out of memory");
   STBI_NOTUSED(ri);
   j->s = s;]=])
  set(new_jpeg_zeroed [=[   if (!j) return stbi__errpuc("outofmem", "Out of memory");
   memset(j, 0, sizeof(stbi__jpeg)); /* MetaLab: no uninitialised tables */
   STBI_NOTUSED(ri);
   j->s = s;]=])
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
