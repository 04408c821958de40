// The Unicode facts a rule needs to mean exactly what Python 3.11 means: ``str.lower``, the
// NFKC check of ``urllib.parse.urlsplit`` and ``str.isprintable``, over UTF-8 text, from tables generated out of Python's
// own Unicode database (unicode_case_data.h, scripts/generate_unicode_case.py).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace lm {

// ``text.lower()``: the full lower-case mapping (İ becomes two code points) and a capital sigma's
// final form where it ends a word, as CPython's unicode lower applies them.
std::string python_lower(std::string_view text);

// Whether the NFKC form of ``code_point`` (non-ASCII) holds one of ``/?#@:``: ``urlsplit``
// refuses a netloc holding one (ValueError), as a host that normalization would reshape.
bool nfkc_makes_url_delimiter(uint32_t code_point);

// ``chr(code_point).isprintable()`` of a non-ASCII code point: what ``repr`` writes as it is.
bool python_printable(uint32_t code_point);

}  // namespace lm
