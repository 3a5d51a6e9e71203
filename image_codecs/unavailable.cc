// image_codecs::Unavailable, shared by both variants.
#include "absl/strings/str_cat.h"
#include "image_codecs/image_codecs.h"

namespace itaclip::image_codecs {

absl::Status Unavailable(const std::string& what) {
  return absl::UnimplementedError(absl::StrCat(
      what, " needs image codecs; this build was made with -DITACLIP_IMAGE_CODECS=OFF"));
}

}  // namespace itaclip::image_codecs
