// Sorting by text: multikey quicksort (Bentley & Sedgewick), which compares one byte position at
// a time and so does not re-read the long prefixes ids share ("dataset:warehouse://sales:...").
// An answer of 10k ids sorted by memcmp spent most of its time in memcmp.
#pragma once

#include <algorithm>
#include <string_view>
#include <utility>
#include <vector>

namespace lm {

namespace detail {

inline int byte_at(std::string_view s, size_t depth) { return depth < s.size() ? (unsigned char)s[depth] : -1; }

template <class T>
void multikey(std::pair<std::string_view, T>* a, size_t n, size_t depth) {
  while (n > 1) {
    if (n < 12) {  // small: insertion sort on the rest of the text
      for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && a[j].first.substr(std::min(depth, a[j].first.size())) <
                                        a[j - 1].first.substr(std::min(depth, a[j - 1].first.size()));
             j--)
          std::swap(a[j], a[j - 1]);
      return;
    }
    int pivot = byte_at(a[n / 2].first, depth);
    // Dijkstra's 3-way partition around the pivot byte: [0, lt) <, [lt, gt) ==, [gt, n) >
    size_t lo = 0, i = 0, gt = n, lt;
    while (i < gt) {
      int c = byte_at(a[i].first, depth);
      if (c < pivot) std::swap(a[lo++], a[i++]);
      else if (c > pivot) std::swap(a[i], a[--gt]);
      else i++;
    }
    lt = lo;
    multikey(a, lt, depth);
    multikey(a + gt, n - gt, depth);
    if (pivot < 0) return;  // the equal range ended here: all equal
    a += lt;
    n = gt - lt;
    depth++;
  }
}

}  // namespace detail

// Sort (text, value) pairs by text (byte order, a prefix first).
template <class T>
void sort_by_text(std::vector<std::pair<std::string_view, T>>& items) {
  detail::multikey(items.data(), items.size(), 0);
}

}  // namespace lm
