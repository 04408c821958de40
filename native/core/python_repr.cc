#include "python_repr.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <string_view>

#include "unicode_case.h"
#include "utf8.h"

namespace lm {

namespace {

void hex_escape(std::string& out, char kind, uint32_t code_point, int width) {
  char buffer[16];
  int n = std::snprintf(buffer, sizeof buffer, "\\%c%0*x", kind, width, code_point);
  out.append(buffer, size_t(n));
}

// Stops the walk once ``out`` has grown past its bound.
struct Bounded {
  std::string& out;
  size_t limit;
  bool full() const { return out.size() > limit; }
  void write(yyjson_val* v) {
    if (full()) return;
    switch (yyjson_get_type(v)) {
      case YYJSON_TYPE_NULL: out += "None"; return;
      case YYJSON_TYPE_BOOL: out += yyjson_get_bool(v) ? "True" : "False"; return;
      case YYJSON_TYPE_STR: python_repr_str(std::string_view(yyjson_get_str(v), yyjson_get_len(v)), out); return;
      case YYJSON_TYPE_RAW: out.append(yyjson_get_raw(v), yyjson_get_len(v)); return;  // an integer past 64 bits
      case YYJSON_TYPE_NUM:
        if (yyjson_is_uint(v)) out += std::to_string(yyjson_get_uint(v));
        else if (yyjson_is_sint(v)) out += std::to_string(yyjson_get_sint(v));
        else python_repr_float(yyjson_get_real(v), out);
        return;
      case YYJSON_TYPE_ARR: {
        out += '[';
        size_t i, n;
        yyjson_val* item;
        yyjson_arr_foreach(v, i, n, item) {
          if (i) out += ", ";
          write(item);
          if (full()) return;
        }
        out += ']';
        return;
      }
      case YYJSON_TYPE_OBJ: {
        out += '{';
        size_t i, n;
        yyjson_val *key, *value;
        yyjson_obj_foreach(v, i, n, key, value) {
          if (i) out += ", ";
          write(key);
          out += ": ";
          write(value);
          if (full()) return;
        }
        out += '}';
        return;
      }
      default: out += "?"; return;
    }
  }
};

}  // namespace

void python_repr(yyjson_val* value, std::string& out, size_t most) {
  size_t start = out.size();
  Bounded bounded{out, most == std::string::npos ? most : start + most};
  bounded.write(value);
  if (most != std::string::npos && out.size() > start + most) {
    out.resize(start + most);
    size_t lead = out.size();  // the last character, left out unless whole
    while (lead > start && (static_cast<unsigned char>(out[lead - 1]) & 0xC0) == 0x80) lead--;
    if (lead > start) {
      unsigned char b = static_cast<unsigned char>(out[lead - 1]);
      size_t length = b < 0x80 ? 1 : (b & 0xE0) == 0xC0 ? 2 : (b & 0xF0) == 0xE0 ? 3 : 4;
      if (out.size() - (lead - 1) < length) out.resize(lead - 1);
    }
    out += "...";
  }
}

void python_repr_str(std::string_view text, std::string& out) {
  bool single = text.find('\'') != std::string_view::npos, dbl = text.find('"') != std::string_view::npos;
  char quote = single && !dbl ? '"' : '\'';
  out += quote;
  for (size_t pos = 0; pos < text.size();) {
    size_t at = pos;
    uint32_t c = next_code_point(text, pos);
    if (c == uint32_t(quote) || c == '\\') {
      out += '\\';
      out += char(c);
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c < 0x20 || c == 0x7F) {
      hex_escape(out, 'x', c, 2);
    } else if (c < 0x80) {
      out += char(c);
    } else if (c >= kStrayByte || !python_printable(c)) {
      uint32_t point = c >= kStrayByte ? c - kStrayByte : c;
      if (point <= 0xFF) hex_escape(out, 'x', point, 2);
      else if (point <= 0xFFFF) hex_escape(out, 'u', point, 4);
      else hex_escape(out, 'U', point, 8);
    } else {
      out.append(text.substr(at, pos - at));
    }
  }
  out += quote;
}

void python_repr_float(double value, std::string& out) {
  if (std::isnan(value)) {
    out += "nan";
    return;
  }
  if (std::isinf(value)) {
    out += value < 0 ? "-inf" : "inf";
    return;
  }
  char buffer[64];
  auto made = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::scientific);
  std::string_view sci(buffer, size_t(made.ptr - buffer));  // [-]d[.ddd]e(+|-)dd
  size_t e = sci.find('e');
  std::string_view mantissa = sci.substr(0, e);
  int exponent = std::atoi(std::string(sci.substr(e + 1)).c_str());
  bool negative = mantissa[0] == '-';
  if (negative) mantissa.remove_prefix(1);
  std::string digits;
  for (char c : mantissa)
    if (c != '.') digits += c;
  if (negative) out += '-';
  int point = exponent + 1;  // digits left of the point
  if (point > 16 || point <= -4) {
    out += digits[0];
    if (digits.size() > 1) {
      out += '.';
      out.append(digits, 1, std::string::npos);
    }
    char tail[16];
    int n = std::snprintf(tail, sizeof tail, "e%c%02d", exponent < 0 ? '-' : '+', exponent < 0 ? -exponent : exponent);
    out.append(tail, size_t(n));
  } else if (point <= 0) {
    out += "0.";
    out.append(size_t(-point), '0');
    out += digits;
  } else if (size_t(point) >= digits.size()) {
    out += digits;
    out.append(size_t(point) - digits.size(), '0');
    out += ".0";
  } else {
    out.append(digits, 0, size_t(point));
    out += '.';
    out.append(digits, size_t(point), std::string::npos);
  }
}

}  // namespace lm
