// The rows a remote store answers its mirror's reads with, installed in the mirror (MirrorSource):
// a level read kept as rows (graph.stores.remote_reads.NeighbourhoodRows), edges known by their
// keys alone, nodes and edges read whole as Neo4j holds them (their property maps decoded here, as
// graph.stores.neo4j.codec encodes them, their column clocks resolved), and the facts' rows
// (graph.stores.neo4j.facts_reads.FactsRows). The rows' shapes and what each part installs are
// read here; the cells themselves (a list, a dict, None, a str, an int, a kind, a value, a handle)
// by a RowsReader's subclass: the bindings' over Python's values (native/bindings/remote_source.cc),
// the core's tests' over JSON values.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "mirror_source.h"

namespace lm {

// A value of a store's answer, as the reader holds it (opaque here).
using Cell = const void*;

// The items of a list of an answer, valid while the reader that read them lives.
struct Cells {
  const Cell* items = nullptr;
  size_t size = 0;
  Cell operator[](size_t i) const { return items[i]; }
  const Cell* begin() const { return items; }
  const Cell* end() const { return items + size; }
};

// A store's answer installed in the mirror ``m``. Each ``what`` is the error a part of the wrong
// shape raises (TypeError where it is no list, ValueError where a row is too short).
class RowsReader {
 public:
  explicit RowsReader(MirrorSource& mirror) : m(mirror) {}
  MirrorSource& m;

  // The cells, as the reader's values are.
  virtual Cells list(Cell c, const char* what) = 0;  // a list's items (TypeError ``what``: not one)
  virtual Cells entries(Cell c, const char* what) = 0;  // a dict's keys and values, in turn (the same)
  virtual bool none(Cell c) = 0;
  // A str's UTF-8, into ``out`` (lying in the str or in ``spill``); false: not a str.
  virtual bool text(Cell c, std::string_view& out, std::string& spill) = 0;
  virtual bool truth(Cell c) = 0;
  virtual size_t index(Cell c) = 0;       // an int >= 0
  virtual uint8_t edge_kind(Cell c) = 0;  // an edge kind, or its value (ValueError: neither)
  virtual uint8_t node_kind(Cell c) = 0;  // a node kind, or its value
  virtual void value(Cell c, StringSink& sink, Bytes& out) = 0;  // a property's value, encoded
  virtual uint32_t token(Cell handle) = 0;  // a handle the store gave, kept: its token

  // A row of ``least`` items at least.
  Cells row(Cell c, size_t least, const char* what);
  // The mirror's node for an id (a str).
  NodeIdx named(Cell id);
  // The texts of a list of str (None: none).
  std::vector<std::string> texts(Cell list, const char* what);
  // The column clocks the elements read next refer to, as [owner, clocks] rows (the clocks: the
  // JSON text of graph.stores.column_clocks.Clocks, or None; ``rows`` None or null: none).
  void clocks(Cell rows);
  // A node read whole, from its [id, labels, properties] row (its properties as Neo4j holds them),
  // installed as ``wanted``; kNone where it is not a node of ours (no kind, or not written by us).
  NodeIdx whole(Cell row, HeldAs wanted);
  // An edge read whole, from its [source, type, target, properties] row: with its record where
  // ``recorded`` (else its key alone), a job edge marked by its properties' unrestated mark.
  EdgeIdx recorded(Cell row, bool recorded);
  // The record of a map of properties, without stamps.
  Record* props(Cell props);
  // Edges known by their keys alone, as [source, type, target(, mark)] rows: found, or added
  // without a record. A job edge is marked by the fourth item where ``marks`` (unrestated where
  // true).
  void keys(Cell rows, bool marks, const char* what);
  // A level read, from the rows the store read (NeighbourhoodRows: its ``extras``, ``kept`` and
  // ``rows``, the clocks an eighth row where it read anything whole): a walk over a remote store
  // reads thousands of far ends in summary form, and decoding each into a Python Node (its
  // summary's JSON text into a dict) and then each Node into the mirror was most of what a large
  // answer cost. Here a node's summary is parsed straight into its record (summary_record), a node
  // or edge read whole decoded from its properties (whole, recorded), and keys installed from ids.
  void rows(const EdgesRead& read, Cell extras, Cell kept, Cell rows);
  // Nodes read by id (graph.stores.remote_reads.NodeRows: whole, or in summary form where its
  // ``extras`` are not None), and a newest() read's (its rows [asked id, node] read whole) with
  // each asked node's newest far end into ``ends``.
  void nodes(Cell read);
  void newest(Cell read, std::unordered_map<NodeIdx, NodeIdx>& ends);
  // Impact's lookup around an answer (graph.stores.remote_reads.NeighbourhoodKeys: its ``rows``,
  // the edges of ``records`` with their records, and ``keyed``): the far ends whole.
  void around(Cell rows, Cell keyed, uint32_t records);
  // The facts' answer for one found read, and the jobs' newest runs and the owners (FactsRows:
  // ``found``, ``runs``, ``owned``), a node named by its place in the ``table`` or by its id.
  void found(const EdgesRead& read, Cell rows, const std::vector<NodeIdx>& table);
  void runs(Cell rows, const std::vector<NodeIdx>& table);
  void owned(Cell rows, const std::vector<NodeIdx>& table);

 protected:
  ~RowsReader() = default;

 private:
  friend class Stored;
  NodeIdx summary_row(Cell row, const SummaryForm& form, HeldAs wanted);
  uint8_t kind_of(Cell labels);  // the first of a node's labels naming a kind (kNodeKinds: none)
  SummaryForm form(Cell extras, Cell kept);  // what the far ends of a read in summary form keep
  // An owner's column clocks (null: none), by digest: each clock's ``at``.
  const std::unordered_map<std::string, std::string>* clocks_of(std::string_view owner);
  void found_ends(Cell ends);
  NodeIdx at(const std::vector<NodeIdx>& table, Cell place_or_id);
  // A record of the one property ``key`` valued ``value`` (None: an empty record).
  Record* one(std::string_view key, Cell value, bool share);

  std::unordered_map<std::string, Cell> clock_texts_;  // (clocks): owner -> clocks
  std::unordered_map<std::string, std::unordered_map<std::string, std::string>> clocks_;  // parsed
};

}  // namespace lm
