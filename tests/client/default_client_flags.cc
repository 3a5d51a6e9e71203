#include "tests/client/default_client_flags.h"

#include <gtest/gtest.h>

#include <string>

#include "absl/flags/commandlineflag.h"
#include "absl/flags/reflection.h"
#include "absl/strings/match.h"

namespace itaclip::client::testing {

void ResetClientFlags() {
  int reset = 0;
  for (const auto& [name, flag] : absl::GetAllFlags()) {
    // Selected by the file that defines them, so a flag added there is covered without a list here.
    if (!absl::EndsWith(flag->Filename(), "client/commands/command_flags.cc")) continue;
    std::string error;
    EXPECT_TRUE(flag->ParseFrom(flag->DefaultValue(), &error)) << name << ": " << error;
    ++reset;
  }
  EXPECT_GT(reset, 0) << "no flag of client/commands/command_flags.cc was found";
}

DefaultClientFlags::DefaultClientFlags() { ResetClientFlags(); }

DefaultClientFlags::~DefaultClientFlags() { ResetClientFlags(); }

}  // namespace itaclip::client::testing
