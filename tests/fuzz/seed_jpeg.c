/* Writes raw pixels (stdin) as a baseline JPEG with stb_image_write
 * (Debian's libstb-dev), for tests/fuzz/make_seeds.py:
 *   seed_jpeg OUT.jpg WIDTH HEIGHT CHANNELS QUALITY < pixels */
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb/stb_image_write.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char** argv) {
  if (argc != 6) return 2;
  const int w = atoi(argv[2]), h = atoi(argv[3]), c = atoi(argv[4]), q = atoi(argv[5]);
  const size_t n = (size_t)w * (size_t)h * (size_t)c;
  unsigned char* px = malloc(n);
  if (!px || fread(px, 1, n, stdin) != n) return 1;
  return stbi_write_jpg(argv[1], w, h, c, px, q) ? 0 : 1;
}
