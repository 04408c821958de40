#include "namespaces.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "unicode_case.h"
#include "utf8.h"

namespace lm {

namespace {

// An object store's scheme prefixes and the scheme the naming spec names it by (s3a, s3n -> s3;
// abfs -> abfss; wasb -> wasbs).
constexpr std::pair<std::string_view, std::string_view> kObjectStores[] = {
    {"s3", "s3"}, {"gs", "gs"}, {"abfs", "abfss"}, {"wasb", "wasbs"}};

// Database schemes as producers spell them -> the spec's scheme.
constexpr std::pair<std::string_view, std::string_view> kDatabases[] = {
    {"postgres", "postgres"}, {"postgresql", "postgres"}, {"mysql", "mysql"}, {"mariadb", "mysql"}};

constexpr std::string_view kNone;

bool ascii_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool ascii_digit(char c) { return c >= '0' && c <= '9'; }
bool ascii_hex(char c) { return ascii_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// ``[A-Za-z][A-Za-z0-9+.-]*``
bool is_scheme(std::string_view s) {
  if (s.empty() || !ascii_alpha(s[0])) return false;
  for (char c : s)
    if (!ascii_alpha(c) && !ascii_digit(c) && c != '+' && c != '.' && c != '-') return false;
  return true;
}

std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
  return out;
}

std::string_view rstrip_slashes(std::string_view s) {
  while (!s.empty() && s.back() == '/') s.remove_suffix(1);
  return s;
}

bool contains(std::string_view s, char c) { return s.find(c) != std::string_view::npos; }

// Python's ``s.partition(sep)``: (before, found, after).
struct Parted {
  std::string_view before, after;
  bool found;
};
Parted partition(std::string_view s, char sep) {
  size_t at = s.find(sep);
  if (at == std::string_view::npos) return {s, {}, false};
  return {s.substr(0, at), s.substr(at + 1), true};
}
Parted rpartition(std::string_view s, char sep) {
  size_t at = s.rfind(sep);
  if (at == std::string_view::npos) return {{}, s, false};
  return {s.substr(0, at), s.substr(at + 1), true};
}

// ipaddress.IPv4Address: four decimal octets, no leading zeros, each at most 255.
bool is_ipv4(std::string_view s) {
  int octets = 0;
  while (true) {
    Parted p = partition(s, '.');
    std::string_view octet = p.before;
    if (octet.empty() || octet.size() > 3) return false;
    for (char c : octet)
      if (!ascii_digit(c)) return false;
    if (octet.size() > 1 && octet[0] == '0') return false;
    if (std::stoi(std::string(octet)) > 255) return false;
    octets++;
    if (!p.found) break;
    s = p.after;
  }
  return octets == 4;
}

// ipaddress.IPv6Address (a scope id after '%' allowed, an IPv4 tail allowed), step for step.
bool is_ipv6(std::string_view s) {
  Parted scope = partition(s, '%');
  if (scope.found && (scope.after.empty() || contains(scope.after, '%'))) return false;
  std::string_view address = scope.before;
  if (address.empty()) return false;
  std::vector<std::string_view> parts;
  for (Parted p{{}, address, true}; p.found;) {
    p = partition(p.after, ':');
    parts.push_back(p.before);
  }
  if (parts.size() < 3) return false;
  bool ipv4_tail = contains(parts.back(), '.');
  if (ipv4_tail && !is_ipv4(parts.back())) return false;
  size_t count = parts.size() + (ipv4_tail ? 1 : 0);  // the IPv4 tail stands for two hextets
  if (count > 9) return false;
  size_t skip = 0;
  bool skipped = false;
  for (size_t i = 1; i + 1 < count; i++) {
    bool empty = i < parts.size() - (ipv4_tail ? 1 : 0) && parts[i].empty();
    if (!empty) continue;
    if (skipped) return false;
    skipped = true, skip = i;
  }
  auto hextet_ok = [](std::string_view h) {
    if (h.empty() || h.size() > 4) return false;
    for (char c : h)
      if (!ascii_hex(c)) return false;
    return true;
  };
  // The hextet indices in use (the IPv4 tail's two are valid already).
  size_t hextets = parts.size() - (ipv4_tail ? 1 : 0);
  size_t hi, lo;
  if (skipped) {
    hi = skip, lo = count - skip - 1;
    if (parts[0].empty() && --hi != 0) return false;
    if (!ipv4_tail && parts.back().empty() && --lo != 0) return false;
    if (8 < hi + lo + 1) return false;
  } else {
    if (count != 8) return false;
    if (parts[0].empty()) return false;
    if (!ipv4_tail && parts.back().empty()) return false;
    hi = count, lo = 0;
  }
  for (size_t i = 0; i < hi; i++)
    if (i < hextets && !hextet_ok(parts[i])) return false;
  for (size_t i = count - lo; i < count; i++)
    if (i < hextets && !hextet_ok(parts[i])) return false;
  return true;
}

// urllib.parse._check_bracketed_host: an IPvFuture ``v<hex>.<any>`` or an IPv6 address.
bool bracketed_host_ok(std::string_view host) {
  if (!host.empty() && host[0] == 'v') {
    size_t i = 1;
    while (i < host.size() && ascii_hex(host[i])) i++;
    return i > 1 && i < host.size() && host[i] == '.' && i + 1 < host.size();
  }
  return !is_ipv4(host) && is_ipv6(host);
}

// urllib.parse._checknetloc: no code point NFKC would turn into a URL delimiter.
bool netloc_ok(std::string_view netloc) {
  for (size_t pos = 0; pos < netloc.size();)
    if (uint32_t cp = next_code_point(netloc, pos); cp >= 0x80 && nfkc_makes_url_delimiter(cp)) return false;
  return true;
}

// The port ``urlsplit(...).port`` reads: nullopt when it raises, 0 when there is none.
std::optional<unsigned> port_of(std::string_view port) {
  if (port.empty()) return 0u;
  for (char c : port)
    if (!ascii_digit(c)) return std::nullopt;
  while (port.size() > 1 && port[0] == '0') port.remove_prefix(1);
  if (port.size() > 5) return std::nullopt;
  unsigned value = unsigned(std::stoul(std::string(port)));
  if (value > 65535) return std::nullopt;
  return value;
}

// ``scheme://[userinfo@]host[:port]/path[?query]``: the host lower-cased, ``default_port`` dropped,
// no trailing slash; nullopt when urlsplit refuses the authority or finds no host.
std::optional<std::string> with_authority(std::string_view rest, std::string_view scheme, unsigned default_port) {
  std::string url;  // urlsplit drops tabs and line breaks anywhere
  url.reserve(rest.size());
  for (char c : rest)
    if (c != '\t' && c != '\r' && c != '\n') url += c;
  std::string_view after(url);
  size_t netloc_end = after.find_first_of("/?#");
  std::string_view netloc = after.substr(0, netloc_end);
  std::string_view tail = netloc_end == std::string_view::npos ? std::string_view() : after.substr(netloc_end);
  bool open = contains(netloc, '['), close = contains(netloc, ']');
  if (open != close) return std::nullopt;
  if (open && !bracketed_host_ok(partition(partition(netloc, '[').after, ']').before)) return std::nullopt;
  tail = partition(tail, '#').before;
  Parted path_query = partition(tail, '?');
  if (!netloc_ok(netloc)) return std::nullopt;

  Parted at = rpartition(netloc, '@');
  std::string_view hostinfo = at.after, host, port_text;
  if (Parted bracket = partition(hostinfo, '['); bracket.found) {
    Parted closed = partition(bracket.after, ']');
    host = closed.before, port_text = partition(closed.after, ':').after;
  } else {
    Parted colon = partition(hostinfo, ':');
    host = colon.before, port_text = colon.after;
  }
  std::optional<unsigned> port = port_of(port_text);
  if (!port || host.empty()) return std::nullopt;
  Parted zone = partition(host, '%');
  std::string lowered = python_lower(zone.before);
  if (zone.found) lowered += '%', lowered += zone.after;
  bool ipv6 = contains(lowered, ':');

  std::string out(scheme);
  out += "://";
  if (!at.before.empty()) out += at.before, out += '@';
  if (ipv6) out += '[';
  out += lowered;
  if (ipv6) out += ']';
  if (*port != 0 && *port != default_port) out += ':', out += std::to_string(*port);
  out += rstrip_slashes(path_query.before);
  if (!path_query.after.empty()) out += '?', out += path_query.after;
  return out;
}

}  // namespace

std::string_view object_store(std::string_view scheme) {
  for (const auto& [prefix, store] : kObjectStores)
    if (scheme.substr(0, prefix.size()) == prefix) return store;
  return kNone;
}

bool storage_namespace(std::string_view ns) {
  size_t sep = ns.find("://");
  std::string scheme = ascii_lower(sep == std::string_view::npos ? ns : ns.substr(0, sep));
  return scheme == "file" || scheme == "hdfs" || scheme == "dbfs" || object_store(scheme) == scheme;
}

std::string_view database_scheme(std::string_view scheme) {
  for (const auto& [spelling, database] : kDatabases)
    if (scheme == spelling) return database;
  return kNone;
}

std::string normal_namespace(std::string_view sent) {
  size_t sep = sent.find("://");
  if (sep == std::string_view::npos || !is_scheme(sent.substr(0, sep))) return std::string(sent);
  std::string_view scheme = sent.substr(0, sep), rest = sent.substr(sep + 3);
  std::string lower = ascii_lower(scheme);
  if (std::string_view(lower).substr(0, lower.find('+')) == "sqlite") {  // no host: the path kept whole
    std::string_view path = !rest.empty() && rest[0] == '/' ? rest.substr(1) : rest;
    return "sqlite:" + std::string(path.empty() ? std::string_view(":memory:") : path);
  }
  if (std::string_view store = object_store(lower); !store.empty()) {
    std::string_view bucket = rstrip_slashes(rest);
    if (bucket.empty() || (lower == store && bucket.size() == rest.size())) return std::string(sent);
    return std::string(store) + "://" + std::string(bucket);
  }
  if (std::string_view database = database_scheme(lower); !database.empty())
    return with_authority(rest, database, 0).value_or(std::string(sent));
  if (lower == "http" || lower == "https")
    return with_authority(rest, lower, lower == "http" ? 80 : 443).value_or(std::string(sent));
  return lower == scheme ? std::string(sent) : lower + "://" + std::string(rest);
}

}  // namespace lm
