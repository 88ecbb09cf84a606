#include "native/data/gz.h"

#include <zlib.h>

#include <fstream>
#include <sstream>

#include "core/io/csv.h"  // DataError

namespace metalab {

std::string gunzip(std::string_view bytes, const std::string& name) {
  z_stream z{};
  if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) throw DataError(name + ": cannot start gzip decompression");
  std::string out;
  char buf[1 << 16];
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  std::size_t remaining = bytes.size();
  int ret = Z_OK;
  do {
    const uInt chunk = static_cast<uInt>(std::min<std::size_t>(remaining, 1u << 30));
    z.avail_in = chunk;
    remaining -= chunk;
    do {
      z.next_out = reinterpret_cast<Bytef*>(buf);
      z.avail_out = sizeof buf;
      ret = inflate(&z, Z_NO_FLUSH);
      if (ret != Z_OK && ret != Z_STREAM_END && ret != Z_BUF_ERROR) {
        const std::string why = z.msg ? z.msg : "corrupt data";
        inflateEnd(&z);
        throw DataError(name + ": not a valid gzip stream (" + why + ")");
      }
      out.append(buf, sizeof buf - z.avail_out);
    } while (z.avail_out == 0 && ret != Z_STREAM_END);
  } while (ret != Z_STREAM_END && remaining > 0);
  inflateEnd(&z);
  if (ret != Z_STREAM_END) throw DataError(name + ": truncated gzip stream");
  return out;
}

std::string read_maybe_gzipped_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DataError(path + ": cannot open file");
  std::ostringstream s;
  s << in.rdbuf();
  std::string bytes = s.str();
  if (bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0x1f && static_cast<unsigned char>(bytes[1]) == 0x8b)
    return gunzip(bytes, path);
  return bytes;
}

}  // namespace metalab
