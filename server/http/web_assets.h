// The web page's files (server/http/web/), embedded into the binary at build time
// (cmake/embed_files.cmake), so that the server serves its page with no files to install.
#ifndef ITACLIP_SERVER_HTTP_WEB_ASSETS_H_
#define ITACLIP_SERVER_HTTP_WEB_ASSETS_H_

#include <cstddef>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace itaclip::server {

struct WebAsset {
  absl::string_view name;  // the file's name, e.g. "index.html"
  absl::string_view content;
};

absl::Span<const WebAsset> WebAssets();

}  // namespace itaclip::server

#endif  // ITACLIP_SERVER_HTTP_WEB_ASSETS_H_
