// Store.search over the embedded graph (search.h).
#include "search.h"

#include <algorithm>

#include "unicode_case.h"
#include "values.h"

namespace lm {

namespace {

bool ascii(std::string_view s) {
  for (unsigned char c : s)
    if (c >= 0x80) return false;
  return true;
}

}  // namespace

std::vector<NodeIdx> search_names(const Graph& g, std::string_view needle, uint32_t wanted, size_t first,
                                  const ShownValue& shown) {
  struct Hit {
    int rank;
    std::string name;
    NodeIdx node;
  };
  std::vector<Hit> hits;
  bool needle_ascii = ascii(needle);
  std::string lowered;
  char buf[32];
  for (uint8_t kind = 0; kind < kNodeKinds; kind++) {
    if (!(wanted & kind_bit(kind))) continue;
    for (NodeIdx n : g.nodes_of_kind[kind]) {
      const uint8_t* value = record_value(g.node_record[n], g.keys.name);
      std::string name;
      std::string_view text;
      if (value == nullptr || *value == kAbsent) name.clear();
      else if (value_string(value, g.pool, buf, text)) name.assign(text);
      else name = shown(value);
      if (needle_ascii && ascii(name)) {
        lowered.assign(name);
        for (char& c : lowered)
          if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
      } else {
        lowered = python_lower(name);
      }
      if (lowered.find(needle) == std::string::npos) continue;
      int rank = lowered == needle ? 0 : (lowered.compare(0, needle.size(), needle) == 0 ? 1 : 2);
      hits.push_back(Hit{rank, std::move(name), n});
    }
  }
  size_t keep = std::min(hits.size(), first);
  std::partial_sort(hits.begin(), hits.begin() + long(keep), hits.end(), [&](const Hit& a, const Hit& b) {
    if (a.rank != b.rank) return a.rank < b.rank;
    if (a.name != b.name) return a.name < b.name;
    return g.pool.view(g.node_id[a.node]) < g.pool.view(g.node_id[b.node]);
  });
  std::vector<NodeIdx> out;
  for (size_t i = 0; i < keep; i++) out.push_back(hits[i].node);
  return out;
}

}  // namespace lm
