// What the page and the app exchange besides drawing; web/platform moves it
// (the page's JavaScript in the browser, files and flags in the desktop window).
#pragma once

#include <string>
#include <vector>

namespace metalab::web {

struct PageIo {
  // app -> page
  std::string hash;  // the URL hash the app wants (without '#'); the page calls history.replaceState
  struct Download {
    std::string name, bytes;
  };
  std::vector<Download> downloads;  // each becomes a Blob download
  bool open_file_dialog = false;    // click the page's <input type=file>
  // shown in the page
  std::string url_notice;  // invalid values in the URL hash, naming the key
  std::string last_error;  // the last upload / download error
  std::string last_message;
  long uploads = 0, downloads_made = 0;
};

}  // namespace metalab::web
