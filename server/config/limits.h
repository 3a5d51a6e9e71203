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
  int max_display_name_bytes = 256;         // bytes of a RegisterClasses display_name
  int max_overrides = 32;                   // override entries of one Segment request
  int max_parameter_bytes = 256;            // bytes of a preset name, an override key or value
  int max_list_values = 16;                 // entries of a list-valued parameter (pamr_dilations)
  // Sliding-window crops of one image: COCO-Stuff at 640x480 has 135, Cityscapes at 2048x1024 429;
  // stride 1 on a VOC image would have about 31 000.
  int max_crops_per_request = 1024;
  double max_request_seconds = 600;  // a COCO-Stuff image takes about 4 minutes on 2 CPU cores
  // Estimated peak bytes of one request (request_memory.h) and of all admitted requests together.
  int64_t max_request_memory_bytes = int64_t{8} << 30;
  int64_t max_server_memory_bytes = int64_t{16} << 30;
};

}  // namespace itaclip::server

#endif  // ITACLIP_SERVER_CONFIG_LIMITS_H_
