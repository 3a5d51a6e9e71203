// BearerTokenAuth: the token file's syntax, and Check's answers to missing, malformed, wrong and
// right `authorization` values, without ever echoing a token.
#include "server/api/bearer_token_auth.h"

#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/scratch_dir_test.h"

namespace itaclip::server {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kAlpha[] = "alpha-7f3c9e1d";
constexpr char kBeta[] = "beta-0b5a22c4";

absl::Status CheckWith(const BearerTokenAuth& auth, const std::string& authorization) {
  return auth.Check(authorization);
}

class BearerTokenFileTest : public itaclip::testing::ScratchDirTest {
 protected:
  std::string Write(const std::string& name, const std::string& content) {
    const std::string path = ScratchPath(name);
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }
};

TEST_F(BearerTokenFileTest, ReadsOneTokenPerLineSkippingCommentsAndBlankLines) {
  const std::string path = Write("tokens", absl::StrCat("# deploy tokens\n\n  ", kAlpha, "  \n#",
                                                        kBeta, "\n\t\n", kBeta, "\r\n"));
  absl::StatusOr<BearerTokenAuth> auth = BearerTokenAuth::FromFile(path);
  ASSERT_TRUE(auth.ok()) << auth.status();
  EXPECT_TRUE(auth->enabled());
  // Surrounding whitespace (and a CRLF line end) is not part of the token.
  EXPECT_TRUE(CheckWith(*auth, absl::StrCat("Bearer ", kAlpha)).ok());
  EXPECT_TRUE(CheckWith(*auth, absl::StrCat("Bearer ", kBeta)).ok());
  // A comment line is not a token.
  EXPECT_EQ(CheckWith(*auth, absl::StrCat("Bearer #", kBeta)).code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(CheckWith(*auth, "Bearer # deploy tokens").code(), absl::StatusCode::kUnauthenticated);
}

TEST_F(BearerTokenFileTest, AFileWithoutATokenIsInvalid) {
  for (const std::string& content :
       {std::string(""), std::string("\n\n"), std::string("# only a comment\n   \n# another\n")}) {
    const std::string path = Write("empty", content);
    absl::StatusOr<BearerTokenAuth> auth = BearerTokenAuth::FromFile(path);
    EXPECT_EQ(auth.status().code(), absl::StatusCode::kInvalidArgument) << "'" << content << "'";
    EXPECT_THAT(auth.status().message(), HasSubstr(path));
  }
}

TEST_F(BearerTokenFileTest, AMissingFileIsNotFound) {
  const std::string path = ScratchPath("no-such-file");
  absl::StatusOr<BearerTokenAuth> auth = BearerTokenAuth::FromFile(path);
  EXPECT_EQ(auth.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(auth.status().message(), HasSubstr(path));
}

TEST(BearerTokenAuthTest, WithoutTokensEveryCallPasses) {
  BearerTokenAuth auth;
  EXPECT_FALSE(auth.enabled());
  EXPECT_TRUE(auth.Check(std::nullopt).ok());
  EXPECT_TRUE(CheckWith(auth, "Bearer anything").ok());
}

TEST(BearerTokenAuthTest, AMissingAuthorizationIsUnauthenticated) {
  const BearerTokenAuth auth = BearerTokenAuth::FromTokens({kAlpha});
  absl::Status status = auth.Check(std::nullopt);
  EXPECT_EQ(status.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(status.message(), HasSubstr("authorization"));
}

TEST(BearerTokenAuthTest, AnotherSchemeIsUnauthenticated) {
  const BearerTokenAuth auth = BearerTokenAuth::FromTokens({kAlpha});
  for (const std::string& value : {absl::StrCat("Basic ", kAlpha), std::string(kAlpha),
                                   std::string("Bearer"), absl::StrCat("Bearer:", kAlpha)}) {
    absl::Status status = CheckWith(auth, value);
    EXPECT_EQ(status.code(), absl::StatusCode::kUnauthenticated) << value;
    EXPECT_THAT(status.message(), HasSubstr("Bearer <token>")) << value;
  }
}

TEST(BearerTokenAuthTest, AWrongTokenIsUnauthenticated) {
  const BearerTokenAuth auth = BearerTokenAuth::FromTokens({kAlpha, kBeta});
  const std::string alpha = kAlpha;
  for (const std::string& presented :
       {std::string("gamma-11111111"), alpha.substr(0, alpha.size() - 1), alpha + "0",
        std::string(""), " " + alpha, absl::AsciiStrToUpper(alpha)}) {
    EXPECT_EQ(CheckWith(auth, "Bearer " + presented).code(), absl::StatusCode::kUnauthenticated)
        << "'" << presented << "'";
  }
}

TEST(BearerTokenAuthTest, ARightTokenPassesWhateverTheSchemesCase) {
  const BearerTokenAuth auth = BearerTokenAuth::FromTokens({kAlpha, kBeta});
  EXPECT_TRUE(CheckWith(auth, absl::StrCat("Bearer ", kAlpha)).ok());
  EXPECT_TRUE(CheckWith(auth, absl::StrCat("Bearer ", kBeta)).ok());
  // RFC 6750 / 7235: the scheme name is case-insensitive.
  EXPECT_TRUE(CheckWith(auth, absl::StrCat("bearer ", kAlpha)).ok());
  EXPECT_TRUE(CheckWith(auth, absl::StrCat("BEARER ", kBeta)).ok());
}

TEST(BearerTokenAuthTest, MessagesNeverContainAToken) {
  const BearerTokenAuth auth = BearerTokenAuth::FromTokens({kAlpha, kBeta});
  const std::string guess = "guess-5e5e5e5e";
  const std::string alpha = kAlpha;
  for (const std::string& value :
       {"Bearer " + guess, "Basic " + guess, "Bearer " + alpha.substr(0, 8), "Token " + alpha}) {
    absl::Status status = CheckWith(auth, value);
    ASSERT_FALSE(status.ok()) << value;
    EXPECT_THAT(status.message(),
                Not(::testing::AnyOf(HasSubstr(guess), HasSubstr(kAlpha), HasSubstr(kBeta),
                                     HasSubstr(alpha.substr(0, 8)))))
        << value;
  }
}

}  // namespace
}  // namespace itaclip::server
