#include "ids.h"

#include <cstring>

namespace lm {

void append_id_part(std::string& out, std::string_view part) {
  if (std::memchr(part.data(), ':', part.size()) == nullptr && std::memchr(part.data(), '%', part.size()) == nullptr) {
    out.append(part);
    return;
  }
  for (char c : part) {
    if (c == '%') out.append("%25");
    else if (c == ':') out.append("%3A");
    else out.push_back(c);
  }
}

std::string node_id(std::string_view prefix, const std::string_view* parts, size_t count) {
  size_t size = prefix.size();
  for (size_t i = 0; i < count; i++) size += 1 + parts[i].size();
  std::string id;
  id.reserve(size);
  id.append(prefix);
  for (size_t i = 0; i < count; i++) {
    id.push_back(':');
    if (i == 0) id.append(parts[i]);
    else append_id_part(id, parts[i]);
  }
  return id;
}

}  // namespace lm
