// Domain rules matched in the core (native/core/domain_rules.h): globs mean exactly what Python's
// fnmatch.fnmatchcase makes of them (the expectations below are fnmatchcase's answers), on code
// points, and the first matching rule assigns its domain.
#include <gtest/gtest.h>

#include <initializer_list>

#include "domain_rules.h"

namespace lm {
namespace {

// A glob case: the text, the pattern, and whether fnmatchcase matches them.
struct Case {
  const char* text;
  const char* pattern;
  bool matches;
};

void expect_cases(std::initializer_list<Case> cases) {
  for (const Case& c : cases)
    EXPECT_EQ(glob_matches(c.text, c.pattern), c.matches) << "text \"" << c.text << "\", pattern \"" << c.pattern << '"';
}

TEST(Glob, StarsAndQuestionMarks) {
  expect_cases({
      {"", "", true},
      {"a", "", false},
      {"", "*", true},
      {"", "**", true},
      {"", "?", false},
      {"public.orders", "public.*", true},
      {"private.orders", "public.*", false},
      {"abcbd", "a*b?", true},
      {"aXbYc", "a*b*c", true},
      {"aXbYd", "a*b*c", false},
      {"line\nbreak", "line?break", true},  // '?' and '*' take newlines too
      {"x\ny", "*", true},
      {"Sales", "sales", false},  // case matters
      {"postgres://sales-db:5432", "postgres://sales-db:*", true},
  });
}

TEST(Glob, QuestionMarkIsOneCodePoint) {
  expect_cases({
      {"caf\xC3\xA9", "caf?", true},  // é: two bytes, one code point
      {"caf\xC3\xA9", "caf??", false},
      {"\xF0\x9F\x90\x8D", "?", true},  // a four-byte code point
      {"\xE6\x97\xA5\xE6\x9C\xAC", "*\xE6\x9C\xAC", true},
      {"\xED\xA0\x80", "?", true},  // a lone surrogate, as "surrogatepass" writes it
  });
}

TEST(Glob, Sets) {
  expect_cases({
      {"b", "[abc]", true},
      {"d", "[abc]", false},
      {"d", "[!abc]", true},
      {"a", "[!abc]", false},
      {"m", "[a-z]", true},
      {"M", "[a-z]", false},
      {"\xC3\xA9", "[\xC3\xA0-\xC3\xBF]", true},  // é in à-ÿ, by code point
      {"]", "[]]", true},
      {"]", "[]a]", true},
      {"]", "[!]]", false},
      {"x", "[!]]", true},
      {"-", "[-a]", true},
      {"-", "[a-]", true},
      {"-", "[!-a]", false},
      {"^", "[^a]", true},  // '^' is no negation in a glob
      {"\\", "[\\]", true},  // no escapes
      {"&", "[&&]", true},
      {"-", "[a-c-e]", true},  // a hyphen right after a range is a member
      {"e", "[a-c-e]", true},
      {"d", "[a-c-e]", false},
  });
}

TEST(Glob, ReversedRangesMatchNothing) {
  expect_cases({
      {"a", "[z-a]", false},
      {"z", "[z-a]", false},
      {"", "[z-a]", false},
      {"q", "[!z-a]", true},  // the complement of nothing: any one code point
      {"a", "[a--]", false},
      {"c", "[z-a!b]", true},  // the removed range leaves '!' first: a negation
      {"b", "[z-a!b]", false},
      {"b", "[xz-ab]", true},
      {"z", "[xz-ab]", false},
  });
}

TEST(Glob, AnUnclosedBracketIsALiteral) {
  expect_cases({
      {"[a", "[a", true},
      {"[", "[", true},
      {"[!", "[!", true},
      {"[]", "[]", true},
      {"a", "[a", false},
      {"[", "[x[abc]", true},  // a "[" inside a set is a member
      {"[xb", "[x[abc]", false},
  });
}

TEST(Glob, StrayBytesMatchOnlyThemselves) {
  expect_cases({
      {"\xFF", "\xFF", true},
      {"\xFE", "\xFF", false},
      {"\xFF", "?", true},
      {"\xC3", "?", true},  // a truncated sequence: one stray byte
      {"\xC3x", "??", true},  // a lead byte without its follower
      {"\xC3x", "?", false},
  });
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
