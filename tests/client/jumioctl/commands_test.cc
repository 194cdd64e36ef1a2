// The command table is the one list help and dispatch both read: every entry
// must be runnable and documented, and a typo must end in a usage error that
// names what was typed.
#include "client/jumioctl/commands.h"

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace jumio_gateway::client {
namespace {

TEST(CommandsTest, EveryCommandHasAHandlerAndHelpText) {
  ASSERT_FALSE(Commands().empty());
  for (const Command& c : Commands()) {
    const std::string name = absl::StrCat(c.group, " ", c.verb);
    EXPECT_NE(c.run, nullptr) << name;
    EXPECT_FALSE(c.summary.empty()) << name;
    EXPECT_LE(c.min_operands, c.max_operands) << name;
    EXPECT_EQ(c.operands.empty(), c.max_operands == 0) << name;
  }
}

TEST(CommandsTest, NamesAreUnique) {
  std::set<std::pair<std::string, std::string>> seen;
  for (const Command& c : Commands()) {
    EXPECT_TRUE(seen.emplace(c.group, c.verb).second)
        << c.group << " " << c.verb << " is listed twice";
  }
}

TEST(CommandsTest, EveryFlagOfACommandIsDefinedAndDocumented) {
  for (const Command& c : Commands()) {
    const std::string help = CommandHelp(c);
    for (const std::string& flag : c.flags) {
      const FlagSpec* spec = FindFlag(flag);
      ASSERT_NE(spec, nullptr) << c.group << " " << c.verb << " --" << flag;
      EXPECT_FALSE(spec->help.empty()) << flag;
      EXPECT_TRUE(absl::StrContains(help, absl::StrCat("  --", flag)))
          << c.group << " " << c.verb << " help lacks --" << flag << "\n"
          << help;
    }
  }
  for (const std::string& flag : GlobalFlags()) {
    ASSERT_NE(FindFlag(flag), nullptr) << flag;
  }
}

TEST(CommandsTest, EveryDefinedFlagIsUsedBySomeCommand) {
  std::set<std::string> used(GlobalFlags().begin(), GlobalFlags().end());
  for (const Command& c : Commands())
    used.insert(c.flags.begin(), c.flags.end());
  for (const FlagSpec& spec : AllFlags()) {
    EXPECT_TRUE(used.count(spec.name)) << "--" << spec.name << " is dead";
  }
}

TEST(CommandsTest, GeneralHelpListsEveryCommandWithItsSummary) {
  const std::string help = GeneralHelp();
  for (const Command& c : Commands()) {
    EXPECT_TRUE(absl::StrContains(
        help, absl::StrCat("  ", CommandName(c), " ", c.operands)))
        << c.group << " " << c.verb;
    EXPECT_TRUE(absl::StrContains(help, c.summary)) << c.summary;
  }
  EXPECT_TRUE(absl::StrContains(help, "2 usage error")) << help;
}

TEST(CommandsTest, ResolveFindsEveryCommandByItsTwoWords) {
  for (const Command& c : Commands()) {
    absl::StatusOr<const Command*> found =
        ResolveCommand({c.group, c.verb, "operand"});
    ASSERT_TRUE(found.ok()) << found.status();
    EXPECT_EQ(*found, &c);
  }
}

TEST(CommandsTest, UnknownCommandIsAnErrorNamingTheWords) {
  for (const std::vector<std::string>& words :
       std::vector<std::vector<std::string>>{{"frobnicate", "now", "x"},
                                             {"account", "frobnicate"},
                                             {"account"}}) {
    EXPECT_EQ(FindCommand(words), nullptr);
    absl::StatusOr<const Command*> found = ResolveCommand(words);
    ASSERT_FALSE(found.ok());
    EXPECT_EQ(found.status().code(), absl::StatusCode::kInvalidArgument);
  }
  EXPECT_EQ(ResolveCommand({"frobnicate", "now", "x"}).status().message(),
            "unknown command \"frobnicate now\"");
  EXPECT_EQ(ResolveCommand({"account"}).status().message(),
            "unknown command \"account\"");
}

TEST(CommandsTest, InvocationChecksFlagsAndOperandCount) {
  const Command* get = FindCommand({"account", "get"});
  ASSERT_NE(get, nullptr);
  EXPECT_TRUE(CheckInvocation(*get, {"json", "deadline"}, 1).ok());
  EXPECT_EQ(CheckInvocation(*get, {"workflow_key"}, 1).message(),
            "--workflow_key is not a flag of 'account get'");
  EXPECT_EQ(CheckInvocation(*get, {}, 0).message(),
            "usage: jumioctl account get ACCOUNT (got 0 operands)");
  EXPECT_EQ(CheckInvocation(*get, {}, 2).message(),
            "usage: jumioctl account get ACCOUNT (got 2 operands)");
}

}  // namespace
}  // namespace jumio_gateway::client
