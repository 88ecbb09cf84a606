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
# How the fixes are applied: cmake/source_fixes.cmake.
#
#   metalab_fix_stb_image(<input header> <output header>)
include(${CMAKE_CURRENT_LIST_DIR}/../../cmake/source_fixes.cmake)

function(metalab_fix_stb_image input output)
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
  metalab_apply_source_fixes("${input}" "${output}" core/io/stb_image_fixes.cmake ${names})
endfunction()
