#include "domain_rules.h"

#include "utf8.h"

namespace lm {

namespace {

constexpr size_t kNone = static_cast<size_t>(-1);

std::vector<uint32_t> code_points(std::string_view text) {
  std::vector<uint32_t> out;
  for (size_t pos = 0; pos < text.size();) out.push_back(next_code_point(text, pos));
  return out;
}

}  // namespace

Glob::Glob(std::string_view pattern_text) {
  // fnmatch.translate, step for step.
  std::vector<uint32_t> pattern = code_points(pattern_text);
  size_t i = 0, n = pattern.size();
  while (i < n) {
    uint32_t c = pattern[i++];
    if (c == '*') {
      if (tokens_.empty() || tokens_.back().kind != Kind::kStar) tokens_.push_back({Kind::kStar});
    } else if (c == '?') {
      tokens_.push_back({Kind::kAny});
    } else if (c == '[') {
      size_t j = i;
      if (j < n && pattern[j] == '!') j++;
      if (j < n && pattern[j] == ']') j++;
      while (j < n && pattern[j] != ']') j++;
      if (j >= n) {
        tokens_.push_back({Kind::kLiteral, false, '['});
      } else {
        add_set(pattern, i, j);
        i = j + 1;
      }
    } else {
      tokens_.push_back({Kind::kLiteral, false, c});
    }
  }
}

void Glob::add_set(const std::vector<uint32_t>& pattern, size_t i, size_t j) {
  using Chunk = std::vector<uint32_t>;
  auto slice = [&](size_t from, size_t to) { return Chunk(pattern.begin() + from, pattern.begin() + to); };
  std::vector<Chunk> chunks;
  bool hyphen = false;
  for (size_t q = i; q < j; q++) hyphen = hyphen || pattern[q] == '-';
  if (!hyphen) {
    chunks.push_back(slice(i, j));
  } else {
    // Split at the hyphens that make ranges: not the first member, not right after a range's end.
    size_t k = pattern[i] == '!' ? i + 2 : i + 1;
    while (true) {
      size_t found = kNone;
      for (size_t q = k; q < j; q++)
        if (pattern[q] == '-') {
          found = q;
          break;
        }
      if (found == kNone) break;
      chunks.push_back(slice(i, found));
      i = found + 1;
      k = found + 3;
    }
    if (i < j || chunks.empty())
      chunks.push_back(slice(i, j));
    else
      chunks.back().push_back('-');  // a trailing hyphen is a member
    // A reversed range takes its two ends with it (fnmatch's "remove empty ranges").
    for (size_t at = chunks.size() - 1; at >= 1; at--) {
      Chunk &before = chunks[at - 1], &after = chunks[at];
      if (before.empty() || after.empty() || before.back() <= after.front()) continue;
      before.pop_back();
      before.insert(before.end(), after.begin() + 1, after.end());
      chunks.erase(chunks.begin() + static_cast<std::ptrdiff_t>(at));
    }
  }
  Token set{Kind::kSet};
  set.first_range = static_cast<uint32_t>(ranges_.size());
  bool first = true;
  for (size_t at = 0; at < chunks.size(); at++) {
    if (at > 0 && !chunks[at - 1].empty() && !chunks[at].empty())
      ranges_.emplace_back(chunks[at - 1].back(), chunks[at].front());
    for (uint32_t member : chunks[at]) {
      if (first && member == '!') {
        set.negated = true;  // "[!" (or a '!' a removed range left first): the complement
      } else {
        ranges_.emplace_back(member, member);
      }
      first = false;
    }
  }
  // No members: "[z-a]" matches nothing, "[!z-a]" any one code point.
  set.range_count = static_cast<uint32_t>(ranges_.size()) - set.first_range;
  tokens_.push_back(set);
}

bool Glob::token_matches(const Token& token, uint32_t code_point) const {
  switch (token.kind) {
    case Kind::kLiteral:
      return code_point == token.code_point;
    case Kind::kAny:
      return true;
    case Kind::kSet: {
      bool in = false;
      for (uint32_t r = token.first_range; r < token.first_range + token.range_count && !in; r++)
        in = ranges_[r].first <= code_point && code_point <= ranges_[r].second;
      return in != token.negated;
    }
    case Kind::kStar:
      break;
  }
  return false;
}

bool Glob::matches(std::string_view text) const {
  // Every token but a star takes exactly one code point, so backtracking to the last star is enough.
  size_t p = 0, s = 0, star = kNone, star_at = 0, m = tokens_.size();
  while (s < text.size()) {
    if (p < m && tokens_[p].kind == Kind::kStar) {
      star = p++;
      star_at = s;
      continue;
    }
    if (p < m) {
      size_t next = s;
      if (token_matches(tokens_[p], next_code_point(text, next))) {
        p++;
        s = next;
        continue;
      }
    }
    if (star == kNone) return false;
    p = star + 1;
    next_code_point(text, star_at);  // the star takes one more code point
    s = star_at;
  }
  while (p < m && tokens_[p].kind == Kind::kStar) p++;
  return p == m;
}

bool glob_matches(std::string_view text, std::string_view pattern) { return Glob(pattern).matches(text); }

DomainRules::DomainRules(const std::vector<DomainRule>& rules) {
  auto compile = [](const std::optional<std::string>& pattern) {
    return pattern ? std::optional<Glob>(Glob(*pattern)) : std::nullopt;
  };
  rules_.reserve(rules.size());
  for (const DomainRule& rule : rules)
    rules_.push_back({rule.domain, compile(rule.ns), compile(rule.name), compile(rule.job_namespace)});
}

const std::string* DomainRules::domain_for(std::string_view ns, std::string_view name,
                                           const std::string_view* job_namespace) const {
  for (const Compiled& rule : rules_) {
    if (rule.ns && !rule.ns->matches(ns)) continue;
    if (rule.name && !rule.name->matches(name)) continue;
    if (rule.job_namespace && (job_namespace == nullptr || !rule.job_namespace->matches(*job_namespace))) continue;
    return &rule.domain;
  }
  return nullptr;
}

}  // namespace lm
