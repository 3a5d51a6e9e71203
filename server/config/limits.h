// Every limit the server enforces, in one place. Built from ServerConfig (load_server_config.h);
// request_validation and the registry read it, GetServerInfo reports it.
#ifndef ITACLIP_SERVER_CONFIG_LIMITS_H_
#define ITACLIP_SERVER_CONFIG_LIMITS_H_

#include <cstdint>

namespace itaclip::server {

struct Limits {
  int64_t max_message_bytes = 32 << 20;     // gRPC receive limit (RESOURCE_EXHAUSTED from gRPC)
  int64_t max_decoded_pixels = 40'000'000;  // width·height of an image, checked before decoding
  int max_classes = 1000;                   // classes per vocabulary
  int max_names_per_class = 64;             // names per class (VOC21's background has 44)
  int max_text_bytes = 2000;                // bytes of one name or description
  int max_vocabularies = 10'000;            // vocabularies in the store
  int max_pending_requests = 64;            // admitted and unanswered Segment/Register calls
};

}  // namespace itaclip::server

#endif  // ITACLIP_SERVER_CONFIG_LIMITS_H_
