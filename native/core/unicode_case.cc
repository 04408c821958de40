#include "unicode_case.h"

#include <algorithm>
#include <iterator>
#include <vector>

#include "unicode_case_data.h"
#include "utf8.h"

namespace lm {

namespace {

constexpr uint32_t kCapitalSigma = 0x3A3, kSmallSigma = 0x3C3, kFinalSigma = 0x3C2;

template <size_t N>
bool in_ranges(const unicode_data::Range (&ranges)[N], uint32_t code_point) {
  auto after = std::upper_bound(std::begin(ranges), std::end(ranges), code_point,
                                [](uint32_t cp, const unicode_data::Range& r) { return cp < r.first; });
  return after != std::begin(ranges) && code_point <= std::prev(after)->last;
}

bool cased(uint32_t code_point) { return in_ranges(unicode_data::kCased, code_point); }
bool case_ignorable(uint32_t code_point) { return in_ranges(unicode_data::kCaseIgnorable, code_point); }

// CPython's handle_capital_sigma: the sigma at ``i`` is final when a cased code point comes before
// it and none after it, case-ignorable ones skipped both ways.
uint32_t sigma_at(const std::vector<uint32_t>& text, size_t i) {
  size_t j = i;
  while (j > 0 && case_ignorable(text[j - 1])) j--;
  bool final_sigma = j > 0 && cased(text[j - 1]);
  if (final_sigma) {
    size_t k = i + 1;
    while (k < text.size() && case_ignorable(text[k])) k++;
    final_sigma = k == text.size() || !cased(text[k]);
  }
  return final_sigma ? kFinalSigma : kSmallSigma;
}

void append_lower(std::string& out, uint32_t code_point) {
  auto one = std::lower_bound(std::begin(unicode_data::kLower), std::end(unicode_data::kLower), code_point,
                              [](const unicode_data::Lower& l, uint32_t cp) { return l.from < cp; });
  if (one != std::end(unicode_data::kLower) && one->from == code_point) return append_code_point(out, one->to);
  for (const auto& many : unicode_data::kLowerMany) {
    if (many.from == code_point) {
      for (uint32_t k = 0; k < many.count; k++) append_code_point(out, many.to[k]);
      return;
    }
  }
  append_code_point(out, code_point);
}

}  // namespace

std::string python_lower(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  if (std::all_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; })) {
    for (char c : text) out += c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c;
    return out;
  }
  std::vector<uint32_t> points;
  for (size_t pos = 0; pos < text.size();) points.push_back(next_code_point(text, pos));
  for (size_t i = 0; i < points.size(); i++) {
    if (points[i] == kCapitalSigma) append_code_point(out, sigma_at(points, i));
    else append_lower(out, points[i]);
  }
  return out;
}

bool nfkc_makes_url_delimiter(uint32_t code_point) { return in_ranges(unicode_data::kNfkcDelimiters, code_point); }

bool python_printable(uint32_t code_point) { return !in_ranges(unicode_data::kNotPrintable, code_point); }

}  // namespace lm
