// Puts every flag of client/commands/command_flags.cc back to its default when a test starts and
// when it ends, so tests that set flags cannot leak into each other. (absl::FlagSaver does the same
// but logs a line per flag on every restore.)
#ifndef ITACLIP_TESTS_CLIENT_DEFAULT_CLIENT_FLAGS_H_
#define ITACLIP_TESTS_CLIENT_DEFAULT_CLIENT_FLAGS_H_

namespace itaclip::client::testing {

class DefaultClientFlags {
 public:
  DefaultClientFlags();
  ~DefaultClientFlags();
  DefaultClientFlags(const DefaultClientFlags&) = delete;
  DefaultClientFlags& operator=(const DefaultClientFlags&) = delete;
};

// Resets the client's flags to their defaults; fails the running test if one cannot be.
void ResetClientFlags();

}  // namespace itaclip::client::testing

#endif  // ITACLIP_TESTS_CLIENT_DEFAULT_CLIENT_FLAGS_H_
