// Domain rules (ingest.domain_rules) as data the core matches: the first rule whose glob patterns
// match a dataset's namespace and name, or the namespace of the job writing it, assigns its domain.
//
// Written once, here: the OpenLineage translation asks it for every dataset without calling back
// into Python, and ``DomainRules.domain_for`` in Python asks the same matcher, so every ingester
// assigns domains by one rule. Globs mean exactly what Python's ``fnmatch.fnmatchcase`` makes of
// them (CPython 3.11's ``fnmatch.translate``), on code points of UTF-8 text.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lm {

// One glob pattern, compiled: ``*`` any run of code points, ``?`` one code point, ``[seq]`` /
// ``[!seq]`` one code point in (not in) the set, ranges by code point (a reversed range removes
// its ends and matches nothing), ``]`` first in a set literal, an unclosed ``[`` a literal ``[``,
// no escapes; everything else literal. The whole text must match.
class Glob {
 public:
  explicit Glob(std::string_view pattern);
  bool matches(std::string_view text) const;

 private:
  enum class Kind : uint8_t { kLiteral, kAny, kStar, kSet };
  struct Token {
    Kind kind;
    bool negated = false;       // kSet: matches the code points NOT in it
    uint32_t code_point = 0;    // kLiteral
    uint32_t first_range = 0;   // kSet: its ranges are ranges_[first_range, first_range + range_count)
    uint32_t range_count = 0;
  };
  bool token_matches(const Token& token, uint32_t code_point) const;
  // The set that begins after a ``[`` at pattern[open + 1, close), appended as a token.
  void add_set(const std::vector<uint32_t>& pattern, size_t open, size_t close);

  std::vector<Token> tokens_;
  std::vector<std::pair<uint32_t, uint32_t>> ranges_;  // inclusive [lo, hi] code point ranges of the sets
};

// fnmatch.fnmatchcase(text, pattern) for one pattern used once.
bool glob_matches(std::string_view text, std::string_view pattern);

// One rule as given: a domain and the globs a dataset must match; nullopt matches anything.
struct DomainRule {
  std::string domain;
  std::optional<std::string> ns;
  std::optional<std::string> name;
  std::optional<std::string> job_namespace;
};

// The rules, in order, compiled once.
class DomainRules {
 public:
  DomainRules() = default;
  explicit DomainRules(const std::vector<DomainRule>& rules);

  // The domain of the first rule that matches, or null. ``job_namespace`` null: no writing job
  // (then a rule with a job-namespace glob does not match).
  const std::string* domain_for(std::string_view ns, std::string_view name,
                                const std::string_view* job_namespace = nullptr) const;
  bool empty() const { return rules_.empty(); }
  size_t size() const { return rules_.size(); }

 private:
  struct Compiled {
    std::string domain;
    std::optional<Glob> ns, name, job_namespace;
  };
  std::vector<Compiled> rules_;
};

}  // namespace lm
