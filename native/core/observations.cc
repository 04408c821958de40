// The schema observations of a batch (graph.change.schema_observations.observations) read from its wire
// form (native/core/batch.h), without a Python object per mutation: schema history looks at every
// batch, and decoding the whole of one (~40 mutations an event) to find its datasets' columns was
// a sixth of the applying process's time in a bulk load. The reading is held with the payload
// (native/bindings/pyobservations.h): a re-run restates nearly every schema, and a store compares a version's
// fields with an observation's where they lie (fields_held), so rows are made only for the rest
// (making them all, in the workers, and comparing them was a tenth of a re-run's CPU).
//
// What it reads is the rule observations() states in Python: a dataset upsert whose props hold a
// ``columns`` list observes that schema at its stamp, each column's field properties taken from
// the column upserts of that dataset, name and stamp (merged in order: a later one's key wins,
// None included), the run from the PRODUCED edge into the dataset at that stamp. A batch naming a
// contract (its freshness SLO comes along) or anything this reader does not expect (a name that is
// not a string) is left to the Python reader: None.
#include "observations.h"

#include <cstring>

#include "flat.h"
#include "kinds.h"
#include "schema_versions.h"

namespace lm {

namespace {

// The keys parse() reads, as the roles a part's strings play: kFieldKeys' (1 + their index), then
// these; 0: none. A part's table holds each string once, so a map's key is known by its index
// (the part's ``roles``), where comparing its text with each key name cost ~a tenth of the reading.
enum Role : uint8_t { kColumnsKey = kFieldCount + 1, kDatasetIdKey, kNameKey, kNamespaceKey, kRoles };
constexpr std::string_view kRoleKeys[] = {"columns", "datasetId", "name", "namespace"};

uint8_t role_of(std::string_view text) {
  for (size_t k = 0; k < kFieldCount; k++)
    if (text == kFieldKeys[k]) return uint8_t(1 + k);
  for (size_t k = 0; k < sizeof(kRoleKeys) / sizeof(kRoleKeys[0]); k++)
    if (text == kRoleKeys[k]) return uint8_t(kColumnsKey + k);
  return 0;
}
constexpr uint8_t kIndexMagic[4] = {'L', 'M', 'O', 'I'};


// A map's items: key text, and where its value begins.
using Items = std::vector<std::pair<std::string_view, const uint8_t*>>;

void skip(Reader& r, int depth) {
  if (depth > kMaxDepth) r.fail();
  switch (r.u8()) {
    case kNull:
    case kFalse:
    case kTrue: return;
    case kInt:
    case kUInt:
    case kStr: r.varint(); return;
    case kFloat: r.u64(); return;
    case kList: {
      uint64_t n = r.varint();
      for (uint64_t k = 0; k < n; k++) skip(r, depth + 1);
      return;
    }
    case kDict: {
      uint64_t n = r.varint();
      for (uint64_t k = 0; k < n; k++) {
        r.varint();
        skip(r, depth + 1);
      }
      return;
    }
    default: r.fail();
  }
}

const uint8_t* find(const Items& items, std::string_view key) {
  const uint8_t* found = nullptr;
  for (const auto& [k, v] : items)
    if (k == key) found = v;  // a key stated twice: the later (as a dict built in order keeps it)
  return found;
}

// A column's key (its dataset's id, its name, the stamp), or a run's (the dataset, the stamp):
// texts, since a payload of several parts names one string in each part's own table.
struct TextKey {
  std::string_view a, b, c;
  bool operator==(const TextKey& o) const { return a == o.a && b == o.b && c == o.c; }
};
uint64_t hash_of(const TextKey& k) {
  uint64_t h = hash_bytes(k.a.data(), k.a.size()) ^ (hash_bytes(k.b.data(), k.b.size()) * 31) ^
               (hash_bytes(k.c.data(), k.c.size()) * 1009);
  return h == FlatMap<uint64_t, uint32_t>::kEmpty ? 0 : h;
}

// Keys to values without an allocation per entry (a batch names ~3,000 columns: a node each was
// a tenth of reading its observations): entries in one array, found through a flat map of their
// hash to the latest entry with it, the entries of one hash chained.
template <class V>
class KeyMap {
 public:
  // The value of ``key``, ``init`` when new (``added`` says which); valid until the next add.
  V& add(const TextKey& key, const V& init, bool& added) {
    bool fresh;
    uint32_t& head = heads_.at(hash_of(key), &fresh);
    if (fresh) head = kNone;
    for (uint32_t e = head; e != kNone; e = entries_[e].next)
      if (entries_[e].key == key) {
        added = false;
        return entries_[e].value;
      }
    entries_.push_back(Entry{key, init, head});
    head = uint32_t(entries_.size() - 1);
    added = true;
    return entries_.back().value;
  }
  const V* find(const TextKey& key) const {
    const uint32_t* head = heads_.find(hash_of(key));
    for (uint32_t e = head ? *head : kNone; e != kNone; e = entries_[e].next)
      if (entries_[e].key == key) return &entries_[e].value;
    return nullptr;
  }

 private:
  struct Entry {
    TextKey key;
    V value;
    uint32_t next;
  };
  FlatMap<uint64_t, uint32_t> heads_;
  std::vector<Entry> entries_;
};

struct Unexpected {};  // left to the Python reader

static_assert(kRoles == SchemaObservations::kSlots);

// Whether the wire value at ``w`` (strings in ``table``) is a twin of the record value at ``p``
// (strings in ``pool``): same_as_py's rule (pyvalues.h) between the value and the one the wire
// form makes in Python, without making it.
bool same_as_wire(const uint8_t*& p, const StringPool& pool, Reader& w, const WireTable& table, int depth) {
  if (depth > kMaxDepth) return false;
  uint8_t tag = *p++;
  uint8_t wire = w.u8();
  switch (tag) {
    case kNull:
    case kAbsent: return wire == kNull;
    case kFalse:
    case kTrue: return wire == tag;
    case kInt:
    case kUInt: return wire == tag && get_varint(p) == w.varint();
    case kFloat: {
      if (wire != kFloat) return false;
      const uint8_t* bits = w.bytes(8);
      p += 8;
      return std::memcmp(p - 8, bits, 8) == 0;
    }
    case kStr: return wire == kStr && pool.view(StrId(get_varint(p))) == table.at(w.varint(), w);
    case kList: {
      uint64_t n = get_varint(p);
      if (wire != kList || w.varint() != n) return false;
      for (uint64_t i = 0; i < n; i++)
        if (!same_as_wire(p, pool, w, table, depth + 1)) return false;
      return true;
    }
    case kDict: {
      uint64_t n = get_varint(p);
      if (wire != kDict || w.varint() != n) return false;
      Items items;  // the wire dict's (keys distinct: a dict made it), each found by text
      for (uint64_t k = 0; k < n; k++) {
        std::string_view key = table.at(w.varint(), w);
        items.emplace_back(key, w.position());
        skip(w, depth + 1);
      }
      for (uint64_t k = 0; k < n; k++) {
        const uint8_t* value = find(items, pool.view(StrId(get_varint(p))));
        if (value == nullptr) return false;
        Reader at(value, size_t(w.position() - value), "mutation batch");
        if (!same_as_wire(p, pool, at, table, depth + 1)) return false;
      }
      return true;
    }
    default: return false;  // a stamp's text (kStampStr): made, not compared, as same_as_py
  }
}

bool same_text(const uint8_t*& p, const StringPool& pool, std::string_view text) {
  return *p++ == kStr && pool.view(StrId(get_varint(p))) == text;
}


}  // namespace

// Where the value of each Role's key begins in map ``ref`` (null: not stated; a key stated
// twice: the later, as a dict built in order keeps it).
const SchemaObservations::Slots& SchemaObservations::slots(const Part& part, uint32_t ref, Slots& out) const {
  out.fill(nullptr);
  if (ref == 0) return out;
  Reader r = at(part.maps[ref - 1]);
  uint64_t n = r.varint();
  for (uint64_t k = 0; k < n; k++) {
    uint64_t key = r.varint();
    part.table.at(key, r);  // (fails beyond the table)
    if (uint8_t role = part.roles[size_t(key)]) out[role] = r.position();
    skip(r, 0);
  }
  return out;
}
// The text of a kStr value at ``p`` of part ``part``; false for any other value.
bool SchemaObservations::text_at(uint32_t part, const uint8_t* p, Text& out) const {
  Reader r = at(p);
  if (r.u8() != kStr) return false;
  uint64_t index = r.varint();
  parts[part].table.at(index, r);  // (fails beyond the table)
  out = Text{part, uint32_t(index)};
  return true;
}

// Reads the batch's mutations; false for one only the Python reader reads.
bool SchemaObservations::parse() {
  if (size >= kNone) return false;  // (offsets are 32-bit)
  struct Dataset {
    uint32_t part, id, at, props;
  };
  struct Column {
    uint32_t part, props;
    uint32_t next = kNone;  // the next upsert of the same column, in the batch's order
  };
  struct Chain {
    uint32_t first, last;
  };
  std::vector<Dataset> datasets;
  std::vector<Column> columns;
  KeyMap<Chain> column_at;  // datasetId, name, at -> its upserts
  KeyMap<Text> produced_by;  // dataset, at -> the run
  Reader r(data, size, "mutation batch");
  Slots scratch;
  try {
    while (!r.done()) {
      uint32_t part_no = uint32_t(parts.size());
      Part& part = parts.emplace_back();
      part.start = r.position();
      read_magic(r);
      part.table.read(r);
      part.roles.resize(part.table.texts.size());
      for (size_t t = 0; t < part.roles.size(); t++) part.roles[t] = role_of(part.table.texts[t]);
      size_t maps = r.count();
      part.maps.reserve(maps);
      for (size_t m = 0; m < maps; m++) {
        part.maps.push_back(r.position());
        uint64_t n = r.varint();
        for (uint64_t k = 0; k < n; k++) {
          r.varint();
          skip(r, 0);
        }
      }
      size_t n = r.count();
      for (size_t k = 0; k < n; k++) {
        uint8_t op = r.u8();
        if (op > 1) r.fail();
        uint64_t a = r.varint();
        part.table.at(a, r);  // (fails beyond the table)
        uint8_t kind = r.u8();
        std::string_view b_text = op == 1 ? part.table.at(r.varint(), r) : std::string_view();
        uint64_t at = r.varint();
        std::string_view at_text = part.table.at(at, r);
        uint32_t props = map_ref(r, maps);
        map_ref(r, maps);  // first: not the schema's
        if (op == 0) {
          if (kind >= kNodeKinds) r.fail();
          if (kind == kContract) throw Unexpected{};
          if (kind == kDataset) {
            const uint8_t* listed = slots(part, props, scratch)[kColumnsKey];
            if (listed != nullptr && *listed == kList) datasets.push_back(Dataset{part_no, uint32_t(a), uint32_t(at), props});
          } else if (kind == kColumn) {
            slots(part, props, scratch);
            const uint8_t* owner = scratch[kDatasetIdKey];
            if (owner == nullptr || *owner == kNull) continue;
            const uint8_t* named = scratch[kNameKey];
            Text owner_id, name;
            if (!text_at(part_no, owner, owner_id) || named == nullptr || !text_at(part_no, named, name))
              throw Unexpected{};
            uint32_t index = uint32_t(columns.size());
            columns.push_back(Column{part_no, props});
            bool added;
            Chain& chain = column_at.add(TextKey{text(owner_id), text(name), at_text}, Chain{index, index}, added);
            if (!added) {
              columns[chain.last].next = index;
              chain.last = index;
            }
          }
        } else {
          if (kind >= kEdgeKinds) r.fail();
          if (kind == kGoverns) throw Unexpected{};
          if (kind == kProduced) {
            bool added;
            produced_by.add(TextKey{b_text, at_text, {}}, Text{}, added) = Text{part_no, uint32_t(a)};
          }
        }
      }
    }
    for (const Dataset& d : datasets) {
      const Part& part = parts[d.part];
      slots(part, d.props, scratch);
      Observed o;
      o.id = Text{d.part, d.id};
      o.at = Text{d.part, d.at};
      const uint8_t* ns_at = scratch[kNamespaceKey];
      const uint8_t* name_at = scratch[kNameKey];
      if ((ns_at != nullptr && !text_at(d.part, ns_at, o.ns)) || (name_at != nullptr && !text_at(d.part, name_at, o.name)))
        throw Unexpected{};
      if (const Text* run = produced_by.find(TextKey{text(o.id), text(o.at), {}})) o.origin = *run;
      Reader listed = at(scratch[kColumnsKey]);
      listed.u8();
      uint64_t count = listed.varint();
      o.first = uint32_t(fields.size());
      o.count = uint32_t(count);
      for (uint64_t c = 0; c < count; c++) {
        if (listed.u8() != kStr) throw Unexpected{};
        uint64_t index = listed.varint();
        Field f;
        f.name = Text{d.part, uint32_t(index)};
        part.table.at(index, listed);
        if (const Chain* stated = column_at.find(TextKey{text(o.id), text(f.name), text(o.at)})) {
          for (uint32_t u = stated->first; u != kNone; u = columns[u].next) {
            const Column& upsert = columns[u];
            slots(parts[upsert.part], upsert.props, scratch);
            for (size_t k = 0; k < kFieldCount; k++) {
              if (const uint8_t* v = scratch[1 + k]) {
                f.value[k] = *v == kNull ? 0 : uint32_t(v - data) + 1;
                f.part[k] = upsert.part;
              }
            }
          }
        }
        fields.push_back(f);
      }
      observed.push_back(o);
    }
  } catch (const Unexpected&) {
    return false;
  }
  return true;
}

// What parse found, as offsets and table indexes (write_index), read back over the same
// payload: its parts' tables read again, every reference checked to be within them.
void SchemaObservations::adopt(const uint8_t* index, size_t length) {
  Reader r(index, length, "schema observations index");
  if (std::memcmp(r.bytes(4), kIndexMagic, 4) != 0) r.fail();
  uint32_t n_parts = r.u32(), n_observed = r.u32(), n_fields = r.u32();
  if (size_t(n_parts) + n_observed + n_fields > length) r.fail();
  for (uint32_t p = 0; p < n_parts; p++) {
    uint32_t start = r.u32();
    if (start >= size) r.fail();
    Part& part = parts.emplace_back();
    part.start = data + start;
    Reader table = at(part.start);
    read_magic(table);
    part.table.read(table);
  }
  auto text_ref = [&](Text& t, bool optional) {
    t.part = r.u32();
    t.index = r.u32();
    if (optional && t.part == kNone && t.index == kNone) return;
    if (t.part >= parts.size() || t.index >= parts[t.part].table.texts.size()) r.fail();
  };
  observed.resize(n_observed);
  for (Observed& o : observed) {
    text_ref(o.id, false);
    text_ref(o.at, false);
    text_ref(o.ns, true);
    text_ref(o.name, true);
    text_ref(o.origin, true);
    o.first = r.u32();
    o.count = r.u32();
    if (uint64_t(o.first) + o.count > n_fields) r.fail();
  }
  fields.resize(n_fields);
  for (Field& f : fields) {
    text_ref(f.name, false);
    for (size_t k = 0; k < kFieldCount; k++) {
      f.value[k] = r.u32();
      f.part[k] = r.u32();
      if (f.value[k] != 0 && (f.value[k] > size || f.part[k] >= parts.size())) r.fail();
    }
  }
  if (!r.done()) r.fail();
}

void SchemaObservations::write_index(Bytes& out) const {
  put_bytes(out, kIndexMagic, 4);
  put_u32(out, uint32_t(parts.size()));
  put_u32(out, uint32_t(observed.size()));
  put_u32(out, uint32_t(fields.size()));
  for (const Part& part : parts) put_u32(out, uint32_t(part.start - data));
  auto text_ref = [&](Text t) {
    put_u32(out, t.part);
    put_u32(out, t.index);
  };
  for (const Observed& o : observed) {
    text_ref(o.id);
    text_ref(o.at);
    text_ref(o.ns);
    text_ref(o.name);
    text_ref(o.origin);
    put_u32(out, o.first);
    put_u32(out, o.count);
  }
  for (const Field& f : fields) {
    text_ref(f.name);
    for (size_t k = 0; k < kFieldCount; k++) {
      put_u32(out, f.value[k]);
      put_u32(out, f.part[k]);
    }
  }
}

// Observation ``i``'s fields as the canonical JSON a version's uuid hashes
// (graph.change.schema_history: ``[dataset, at, fields, freshness hours]``, a first version's hours
// None), appended to ``out``; false for one holding a float (left to Python).
bool SchemaObservations::first_version_json(size_t i, std::string& out) const {
  // A field's keys in sorted order, each as kFieldKeys' index (kFieldCount: "name").
  static constexpr size_t kSorted[] = {1, 5, 3, kFieldCount, 4, 2, 0};
  const Observed& o = observed[i];
  out.push_back('[');
  json_string(text(o.id), out);
  out.push_back(',');
  json_string(text(o.at), out);
  out += ",[";
  for (uint32_t c = 0; c < o.count; c++) {
    const Field& f = fields[o.first + c];
    if (c) out.push_back(',');
    out.push_back('{');
    bool more = false;
    for (size_t k : kSorted) {
      if (k == kFieldCount) {
        out += more ? ",\"name\":" : "\"name\":";
        json_string(text(f.name), out);
      } else {
        const uint8_t* v = value(f, k);
        if (v == nullptr) continue;
        if (more) out.push_back(',');
        json_string(kFieldKeys[k], out);
        out.push_back(':');
        Reader r = at(v);
        if (!wire_canonical_json(r, parts[f.part[k]].table, out)) return false;
      }
      more = true;
    }
    out.push_back('}');
  }
  out += "],null]";
  return true;
}

// Observation ``i``'s first version (graph.change.schema_history's props for a dataset with none yet)
// as an upsert written to ``wire``; false, and nothing written, for one holding a float.
bool SchemaObservations::first_version(size_t i, std::string_view source, std::string_view detected, WireWriter& wire,
                   std::string& scratch) const {
  const Observed& o = observed[i];
  scratch.clear();
  if (!first_version_json(i, scratch)) return false;
  std::string version = version_uuid(scratch);
  std::string_view dataset = text(o.id), stamp = text(o.at);
  MapWriter props(wire.strings);
  props.set_str("datasetId", dataset)
      .set_str("namespace", o.ns.none() ? std::string_view() : text(o.ns))
      .set_str("name", o.name.none() ? std::string_view() : text(o.name))
      .set_str("version", version)
      .set_str("createdAt", stamp)
      .set_str("source", source);
  if (o.origin.none())
    props.set_null("origin");
  else
    props.set_str("origin", text(o.origin));
  props.set_encoded("fields", [&](StringSink& sink, Bytes& out) {
    put_u8(out, kList);
    put_varint(out, o.count);
    for (uint32_t c = 0; c < o.count; c++) {
      const Field& f = fields[o.first + c];
      size_t stated = 1;
      for (size_t k = 0; k < kFieldCount; k++) stated += f.value[k] != 0;
      put_u8(out, kDict);
      put_varint(out, stated);
      put_varint(out, sink.key("name"));
      sink.value(text(f.name), out);
      for (size_t k = 0; k < kFieldCount; k++) {
        const uint8_t* v = value(f, k);
        if (v == nullptr) continue;
        put_varint(out, sink.key(kFieldKeys[k]));
        Reader r = at(v);
        copy_wire_value(r, parts[f.part[k]].table, sink, out);
      }
    }
  });
  props.set_null("previousVersion")
      .set_encoded("changes",
                   [](StringSink&, Bytes& out) {
                     put_u8(out, kList);
                     put_varint(out, 0);
                   })
      .set_int("breaking", 0)
      .set_null("freshnessHours")
      .set_null("contract");
  uint32_t props_ref = wire.map(props);
  wire.node(wire.strings.ref(version_id(dataset, stamp, version, detected)), kDatasetVersion,
            wire.strings.ref(stamp), props_ref, 0);
  return true;
}

bool SchemaObservations::fields_held(size_t i, const uint8_t* p, const StringPool& pool) const {
  const Observed& o = observed[i];
  if (*p++ != kList || get_varint(p) != o.count) return false;
  for (uint32_t c = 0; c < o.count; c++) {
    const Field& f = fields[o.first + c];
    if (*p++ != kDict) return false;
    uint64_t n = get_varint(p);
    uint64_t stated = 1;  // "name", and each field stated (keys distinct: a dict's)
    for (size_t k = 0; k < kFieldCount; k++) stated += f.value[k] != 0;
    if (n != stated) return false;
    for (uint64_t e = 0; e < n; e++) {
      std::string_view key = pool.view(StrId(get_varint(p)));
      if (key == "name") {
        if (!same_text(p, pool, text(f.name))) return false;
        continue;
      }
      size_t k = 0;
      while (k < kFieldCount && key != kFieldKeys[k]) k++;
      if (k == kFieldCount || f.value[k] == 0) return false;
      Reader stored = at(value(f, k));
      if (!same_as_wire(p, pool, stored, parts[f.part[k]].table, 0)) return false;
    }
  }
  return true;
}

}  // namespace lm
