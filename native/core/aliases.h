// Alias resolution (graph.read.aliases): one real table is one node, whatever names point at it.
//
// A dataset can be known by several identifiers (a storage path, a catalog table name, a name it
// had before a RENAME). Each alias has an ALIAS_OF edge to the name it stands for. The names joined
// by ALIAS_OF edges, either way, are one table: two catalog names sharing one storage location (a
// crawler's and a producer's spelling of the catalog) are one table. Its canonical node is the
// least of its names that is no one's alias (a chain's end), a catalog's, metastore's or database's
// name before a storage location's, so the choice does not depend on what arrived first. Writes never merge nodes (so ingest stays order-independent); queries resolve
// aliases on the way in and collapse them on the way out.
//
// One resolver per query caches what it learns. Most datasets have no alias, so a walk's level is
// resolved a level at a time, one read per alias hop.
#pragma once

#include "flat.h"
#include "view.h"

namespace lm {

constexpr int kMaxChain = 16;  // alias walks longer than this are cut (a bound on the reads per resolution)

using IdMap = FlatMap<StrId, StrId>;

class Aliases {
 public:
  explicit Aliases(View& view) : v(view) {}
  ~Aliases();
  Aliases(const Aliases&) = delete;

  View& v;

  // Each id's canonical id (an id without aliases maps to itself): out[i] for ids[i].
  void canonical(const std::vector<StrId>& ids, std::vector<StrId>& out);
  StrId canonical(StrId id);
  // Every id standing for the canonical ids (aliases included) -> its canonical id, and the
  // edges of ``kinds`` entering any of them (a dataset's readers under all its names).
  void keys_into(const std::vector<StrId>& canonical_ids, uint32_t kinds, IdMap& members, std::vector<EdgeRef>& found);
  // The column ids standing for the given (canonical) columns: the same-named columns of their
  // datasets' aliases -> the canonical column's id.
  void column_members(const std::vector<NodeIdx>& columns, IdMap& out);
  // Each column's id -> the id of the same-named column of its dataset's canonical node (which
  // need not be a node: ids are ids).
  void canonical_columns(const std::vector<NodeIdx>& columns, IdMap& out);
  // The ids this resolver made and holds, handed to ``out`` (which lets them go later).
  void hand_over(std::vector<StrId>& out) {
    out.insert(out.end(), held_.begin(), held_.end());
    held_.clear();
  }

 private:
  StrId held_id(const std::string& text);  // interned for this resolver's life
  bool dataset_of(NodeIdx column, StrId& out) const;

  IdMap canonical_;
  FlatSet<StrId> alone_;                              // canonical ids known to have no aliases
  FlatMap<StrId, std::vector<StrId>> members_;        // canonical ids known to have some -> every id for them
  std::vector<StrId> held_;
};

}  // namespace lm
