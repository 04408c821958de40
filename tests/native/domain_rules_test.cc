// Domain rules matched in the core (native/core/domain_rules.h): globs mean exactly what Python's
// fnmatch.fnmatchcase makes of them (the expectations below are fnmatchcase's answers), on code
// points, and the first matching rule assigns its domain.
#include <gtest/gtest.h>

#include "domain_rules.h"

namespace lm {
namespace {

TEST(Glob, StarsAndQuestionMarks) {
  EXPECT_TRUE(glob_matches("", ""));
  EXPECT_FALSE(glob_matches("a", ""));
  EXPECT_TRUE(glob_matches("", "*"));
  EXPECT_TRUE(glob_matches("", "**"));
  EXPECT_FALSE(glob_matches("", "?"));
  EXPECT_TRUE(glob_matches("public.orders", "public.*"));
  EXPECT_FALSE(glob_matches("private.orders", "public.*"));
  EXPECT_TRUE(glob_matches("abcbd", "a*b?"));
  EXPECT_TRUE(glob_matches("aXbYc", "a*b*c"));
  EXPECT_FALSE(glob_matches("aXbYd", "a*b*c"));
  EXPECT_TRUE(glob_matches("line\nbreak", "line?break"));  // '?' and '*' take newlines too
  EXPECT_TRUE(glob_matches("x\ny", "*"));
  EXPECT_FALSE(glob_matches("Sales", "sales"));  // case matters
  EXPECT_TRUE(glob_matches("postgres://sales-db:5432", "postgres://sales-db:*"));
}

TEST(Glob, QuestionMarkIsOneCodePoint) {
  EXPECT_TRUE(glob_matches("caf\xC3\xA9", "caf?"));        // é: two bytes, one code point
  EXPECT_FALSE(glob_matches("caf\xC3\xA9", "caf??"));
  EXPECT_TRUE(glob_matches("\xF0\x9F\x90\x8D", "?"));      // a four-byte code point
  EXPECT_TRUE(glob_matches("\xE6\x97\xA5\xE6\x9C\xAC", "*\xE6\x9C\xAC"));
  EXPECT_TRUE(glob_matches("\xED\xA0\x80", "?"));          // a lone surrogate, as "surrogatepass" writes it
}

TEST(Glob, Sets) {
  EXPECT_TRUE(glob_matches("b", "[abc]"));
  EXPECT_FALSE(glob_matches("d", "[abc]"));
  EXPECT_TRUE(glob_matches("d", "[!abc]"));
  EXPECT_FALSE(glob_matches("a", "[!abc]"));
  EXPECT_TRUE(glob_matches("m", "[a-z]"));
  EXPECT_FALSE(glob_matches("M", "[a-z]"));
  EXPECT_TRUE(glob_matches("\xC3\xA9", "[\xC3\xA0-\xC3\xBF]"));  // é in à-ÿ, by code point
  EXPECT_TRUE(glob_matches("]", "[]]"));
  EXPECT_TRUE(glob_matches("]", "[]a]"));
  EXPECT_FALSE(glob_matches("]", "[!]]"));
  EXPECT_TRUE(glob_matches("x", "[!]]"));
  EXPECT_TRUE(glob_matches("-", "[-a]"));
  EXPECT_TRUE(glob_matches("-", "[a-]"));
  EXPECT_FALSE(glob_matches("-", "[!-a]"));
  EXPECT_TRUE(glob_matches("^", "[^a]"));  // '^' is no negation in a glob
  EXPECT_TRUE(glob_matches("\\", "[\\]"));  // no escapes
  EXPECT_TRUE(glob_matches("&", "[&&]"));
  EXPECT_TRUE(glob_matches("-", "[a-c-e]"));  // a hyphen right after a range is a member
  EXPECT_TRUE(glob_matches("e", "[a-c-e]"));
  EXPECT_FALSE(glob_matches("d", "[a-c-e]"));
}

TEST(Glob, ReversedRangesMatchNothing) {
  EXPECT_FALSE(glob_matches("a", "[z-a]"));
  EXPECT_FALSE(glob_matches("z", "[z-a]"));
  EXPECT_FALSE(glob_matches("", "[z-a]"));
  EXPECT_TRUE(glob_matches("q", "[!z-a]"));  // the complement of nothing: any one code point
  EXPECT_FALSE(glob_matches("a", "[a--]"));
  EXPECT_TRUE(glob_matches("c", "[z-a!b]"));  // the removed range leaves '!' first: a negation
  EXPECT_FALSE(glob_matches("b", "[z-a!b]"));
  EXPECT_TRUE(glob_matches("b", "[xz-ab]"));
  EXPECT_FALSE(glob_matches("z", "[xz-ab]"));
}

TEST(Glob, AnUnclosedBracketIsALiteral) {
  EXPECT_TRUE(glob_matches("[a", "[a"));
  EXPECT_TRUE(glob_matches("[", "["));
  EXPECT_TRUE(glob_matches("[!", "[!"));
  EXPECT_TRUE(glob_matches("[]", "[]"));
  EXPECT_FALSE(glob_matches("a", "[a"));
  EXPECT_TRUE(glob_matches("[", "[x[abc]"));  // a "[" inside a set is a member
  EXPECT_FALSE(glob_matches("[xb", "[x[abc]"));
}

TEST(Glob, StrayBytesMatchOnlyThemselves) {
  EXPECT_TRUE(glob_matches("\xFF", "\xFF"));
  EXPECT_FALSE(glob_matches("\xFE", "\xFF"));
  EXPECT_TRUE(glob_matches("\xFF", "?"));
  EXPECT_TRUE(glob_matches("\xC3", "?"));          // a truncated sequence: one stray byte
  EXPECT_TRUE(glob_matches("\xC3x", "??"));        // a lead byte without its follower
  EXPECT_FALSE(glob_matches("\xC3x", "?"));
}

TEST(DomainRules, TheFirstMatchingRuleAssigns) {
  DomainRules rules({
      {"sales", std::string("postgres://sales-db:*"), std::string("public.*"), std::nullopt},
      {"marketing", std::nullopt, std::nullopt, std::string("airflow://marketing*")},
      {"fallback", std::string("postgres://*"), std::nullopt, std::nullopt},
  });
  EXPECT_EQ(rules.size(), 3u);
  EXPECT_FALSE(rules.empty());
  const std::string* domain = rules.domain_for("postgres://sales-db:5432", "public.orders");
  ASSERT_NE(domain, nullptr);
  EXPECT_EQ(*domain, "sales");
  domain = rules.domain_for("postgres://sales-db:5432", "private.orders");
  ASSERT_NE(domain, nullptr);
  EXPECT_EQ(*domain, "fallback");
  std::string_view job = "airflow://marketing-prod";
  domain = rules.domain_for("s3://bucket", "x", &job);
  ASSERT_NE(domain, nullptr);
  EXPECT_EQ(*domain, "marketing");
  EXPECT_EQ(rules.domain_for("s3://bucket", "x"), nullptr);  // no writing job: the job rule cannot match
  std::string_view other = "airflow://finance";
  EXPECT_EQ(rules.domain_for("s3://bucket", "x", &other), nullptr);
}

TEST(DomainRules, NoRulesAssignNothing) {
  DomainRules none;
  EXPECT_TRUE(none.empty());
  EXPECT_EQ(none.domain_for("a", "b"), nullptr);
}

}  // namespace
}  // namespace lm
