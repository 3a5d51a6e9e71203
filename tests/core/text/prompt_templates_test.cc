#include "core/text/prompt_templates.h"

#include <fstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/test_paths.h"

namespace itaclip::text {
namespace {

using ::testing::HasSubstr;

TEST(PromptTemplatesTest, LoadsThe80OpenAiTemplatesInOrder) {
  const auto templates =
      LoadPromptTemplates(testing::SourcePath("configs/templates/openai_imagenet_80.txt"));
  ASSERT_TRUE(templates.ok()) << templates.status();
  ASSERT_EQ(templates->size(), 80u);
  EXPECT_EQ(templates->front(), "a bad photo of a {}.");
  EXPECT_EQ((*templates)[1], "a photo of many {}.");
  EXPECT_EQ(templates->back(), "a tattoo of the {}.");
  // The config copy is the reference file.
  const auto reference =
      LoadPromptTemplates(testing::SharedPath("reference/itaclip/imagenet_templates.txt"));
  ASSERT_TRUE(reference.ok()) << reference.status();
  EXPECT_EQ(*templates, *reference);
}

TEST(PromptTemplatesTest, FillTemplateIsStrFormat) {
  EXPECT_EQ(FillTemplate("a photo of a {}.", "dog"), "a photo of a dog.");
  // Spec §3.3: templates are applied to auxiliary texts too, doubled article
  // and period included.
  EXPECT_EQ(FillTemplate("a bad photo of a {}.", "a human being, a living individual."),
            "a bad photo of a a human being, a living individual..");
  EXPECT_EQ(FillTemplate("{}", "x"), "x");
  EXPECT_EQ(FillTemplate("no slot", "x"), "no slot");
}

TEST(PromptTemplatesTest, AcceptsWindowsLineEndsAndAFinalNewline) {
  const auto templates = ParsePromptTemplates("a {}.\r\nthe {}!\n");
  ASSERT_TRUE(templates.ok()) << templates.status();
  EXPECT_THAT(*templates, ::testing::ElementsAre("a {}.", "the {}!"));
}

TEST(PromptTemplatesTest, RejectsTemplatesWithoutExactlyOneSlot) {
  for (const char* content : {"a {}.\nno slot\n", "a {}.\n{} and {}\n", "a {}.\n{{}}\n",
                              "a {}.\n{0}\n", "a {}.\n\nb {}\n"}) {
    const auto templates = ParsePromptTemplates(content);
    EXPECT_EQ(templates.status().code(), absl::StatusCode::kInvalidArgument) << content;
    EXPECT_THAT(templates.status().message(), HasSubstr("line 2")) << content;
  }
  EXPECT_EQ(ParsePromptTemplates("").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(PromptTemplatesTest, LoadReportsMissingAndBadFilesByPath) {
  const std::string dir = testing::ScratchDir();
  EXPECT_EQ(LoadPromptTemplates(dir + "/none.txt").status().code(), absl::StatusCode::kNotFound);
  {
    std::ofstream out(dir + "/bad.txt");
    out << "a {}\nb\n";
  }
  const auto bad = LoadPromptTemplates(dir + "/bad.txt");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.status().message(), HasSubstr(dir + "/bad.txt: template file line 2"));
}

}  // namespace
}  // namespace itaclip::text
