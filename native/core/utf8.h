// UTF-8 text as code points, as Python sees a str: what the core's rules that mean what Python
// means (globs, the namespace rule) read and write.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace lm {

// A byte that begins no UTF-8 sequence stands for itself above Unicode, so it equals only itself.
constexpr uint32_t kStrayByte = 0x110000;

// The code point at ``pos`` (advanced past it). Lone surrogates (as Python's "surrogatepass"
// writes them) decode like any three-byte sequence, so they compare as Python compares them.
inline uint32_t next_code_point(std::string_view text, size_t& pos) {
  auto byte = [&](size_t at) { return static_cast<unsigned char>(text[at]); };
  unsigned char lead = byte(pos);
  if (lead < 0x80) {
    pos++;
    return lead;
  }
  size_t length;
  uint32_t code_point;
  if ((lead & 0xE0) == 0xC0) {
    length = 2, code_point = lead & 0x1F;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3, code_point = lead & 0x0F;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4, code_point = lead & 0x07;
  } else {
    pos++;
    return kStrayByte + lead;
  }
  if (pos + length > text.size()) {
    pos++;
    return kStrayByte + lead;
  }
  for (size_t i = 1; i < length; i++) {
    unsigned char follow = byte(pos + i);
    if ((follow & 0xC0) != 0x80) {
      pos++;
      return kStrayByte + lead;
    }
    code_point = code_point << 6 | (follow & 0x3F);
  }
  pos += length;
  return code_point;
}

// ``code_point`` appended in UTF-8 (a stray byte as the byte it stood for).
inline void append_code_point(std::string& out, uint32_t code_point) {
  if (code_point < 0x80) {
    out += char(code_point);
  } else if (code_point < 0x800) {
    out += char(0xC0 | code_point >> 6);
    out += char(0x80 | (code_point & 0x3F));
  } else if (code_point < 0x10000) {
    out += char(0xE0 | code_point >> 12);
    out += char(0x80 | (code_point >> 6 & 0x3F));
    out += char(0x80 | (code_point & 0x3F));
  } else if (code_point < kStrayByte) {
    out += char(0xF0 | code_point >> 18);
    out += char(0x80 | (code_point >> 12 & 0x3F));
    out += char(0x80 | (code_point >> 6 & 0x3F));
    out += char(0x80 | (code_point & 0x3F));
  } else {
    out += char(code_point - kStrayByte);
  }
}

}  // namespace lm
