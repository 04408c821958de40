#include "stamps.h"

namespace lm {

namespace {

// Digits at s[at..at+n) as a number, or -1.
int digits(std::string_view s, size_t at, size_t n) {
  int v = 0;
  for (size_t i = at; i < at + n; i++) {
    char c = s[i];
    if (c < '0' || c > '9') return -1;
    v = v * 10 + (c - '0');
  }
  return v;
}

void put_digits(char* out, uint64_t v, int n) {
  for (int i = n - 1; i >= 0; i--) {
    out[i] = char('0' + v % 10);
    v /= 10;
  }
}

}  // namespace

bool pack_stamp(std::string_view s, Stamp& out) {
  // YYYY-MM-DDTHH:MM:SS.ffffffZ[#d]
  if (s.size() != 27 && s.size() != 29) return false;
  if (s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != '.' || s[26] != 'Z')
    return false;
  int year = digits(s, 0, 4), month = digits(s, 5, 2), day = digits(s, 8, 2), hour = digits(s, 11, 2),
      minute = digits(s, 14, 2), second = digits(s, 17, 2), micros = digits(s, 20, 6);
  if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0 || micros < 0) return false;
  if (month > 15 || day > 31 || hour > 31 || minute > 63 || second > 63) return false;
  int rank = 0;
  if (s.size() == 29) {
    if (s[27] != '#' || s[28] < '1' || s[28] > '9') return false;
    rank = s[28] - '0';
  }
  out = (uint64_t(year) << 50) | (uint64_t(month) << 46) | (uint64_t(day) << 41) | (uint64_t(hour) << 36) |
        (uint64_t(minute) << 30) | (uint64_t(second) << 24) | (uint64_t(micros) << 4) | uint64_t(rank);
  return true;
}

Stamp stamp_of(std::string_view s, StringPool& pool) {
  Stamp packed;
  if (pack_stamp(s, packed)) return packed;
  return (uint64_t(pool.intern(s)) << 4) | kTextStamp;
}

// A time stamp's fields as stamp_text writes them: where each is in the stamp, its digits and the
// character after it (YYYY-MM-DDTHH:MM:SS.ffffffZ).
namespace {
struct StampPart {
  int shift;
  uint64_t mask;
  int width;
  char after;
};
constexpr StampPart kStampParts[] = {{50, 0x3FFF, 4, '-'}, {46, 0xF, 2, '-'},  {41, 0x1F, 2, 'T'},    {36, 0x1F, 2, ':'},
                                     {30, 0x3F, 2, ':'},   {24, 0x3F, 2, '.'}, {4, 0xFFFFF, 6, 'Z'}};
}  // namespace

std::string_view stamp_text(Stamp s, const StringPool& pool, char* buf) {
  if (is_text_stamp(s)) return pool.view(StrId(s >> 4));
  char* p = buf;
  for (const StampPart& part : kStampParts) {
    put_digits(p, (s >> part.shift) & part.mask, part.width);
    p[part.width] = part.after;
    p += part.width + 1;
  }
  int rank = int(s & 0xF);
  if (rank == 0) return {buf, 27};
  buf[27] = '#';
  buf[28] = char('0' + rank);
  return {buf, 29};
}

int compare_stamps(Stamp a, Stamp b, const StringPool& pool) {
  if (a == b) return 0;
  if (!is_text_stamp(a) && !is_text_stamp(b)) return a < b ? -1 : 1;
  char ba[32], bb[32];
  std::string_view ta = stamp_text(a, pool, ba), tb = stamp_text(b, pool, bb);
  int c = ta.compare(tb);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

}  // namespace lm
