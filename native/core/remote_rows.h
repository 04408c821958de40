// The rows a remote store answers its mirror's reads with, installed in the mirror (MirrorSource):
// a level read kept as rows (graph.stores.remote_reads.NeighbourhoodRows), edges known by their
// keys alone, and the facts' rows (graph.stores.neo4j.facts_reads.FactsRows). The rows' shapes and
// what each part installs are read here; the cells themselves (a list, None, a str, an int, a kind,
// a value, a handle) by a RowsReader's subclass: the bindings' over Python's values
// (native/bindings/remote_source.cc), the core's tests' over JSON values.
#pragma once

#include <string>
#include <string_view>
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
  virtual bool none(Cell c) = 0;
  // A str's UTF-8, into ``out`` (lying in the str or in ``spill``); false: not a str.
  virtual bool text(Cell c, std::string_view& out, std::string& spill) = 0;
  virtual bool truth(Cell c) = 0;
  virtual size_t index(Cell c) = 0;       // an int >= 0
  virtual uint8_t edge_kind(Cell c) = 0;  // an edge kind, or its value (ValueError: neither)
  virtual uint8_t node_kind(Cell c) = 0;  // a node kind, or its value
  virtual void value(Cell c, StringSink& sink, Bytes& out) = 0;  // a property's value, encoded
  virtual uint32_t token(Cell handle) = 0;  // a handle the store gave, kept: its token
  virtual Record* props(Cell props) = 0;    // the record of a map of properties, without stamps
  virtual NodeIdx node(Cell node, HeldAs wanted) = 0;  // a whole node, installed
  // Whether a job edge's key is among those its store marked unrestated (``unrestated``: a set of keys).
  virtual bool marked(Cell unrestated, Cell source, uint8_t kind, Cell target) = 0;

  // A row of ``least`` items at least.
  Cells row(Cell c, size_t least, const char* what);
  // The mirror's node for an id (a str).
  NodeIdx named(Cell id);
  // The texts of a list of str (None: none).
  std::vector<std::string> texts(Cell list, const char* what);
  // Edges known by their keys alone, as [source, type, target(, mark)] rows: found, or added
  // without a record. A job edge is marked by the fourth item where ``marks`` (unrestated where
  // true), else by the store's verdict (``unrestated``: a set of keys, or None, or null).
  void keys(Cell rows, bool marks, const char* what, Cell unrestated = nullptr);
  // A level read in summary form, from the rows the store read (NeighbourhoodRows: its ``extras``,
  // ``kept`` and ``rows``): a walk over a remote store reads thousands of far ends in summary form,
  // and decoding each into a Python Node (its summary's JSON text into a dict) and then each Node
  // into the mirror was most of what a large answer cost. Here a node's summary is parsed straight
  // into its record (summary_record), and edges and keys are installed from their ids.
  void rows(const EdgesRead& read, Cell extras, Cell kept, Cell rows);
  // The facts' answer for one found read, and the jobs' newest runs and the owners (FactsRows:
  // ``found``, ``runs``, ``owned``), a node named by its place in the ``table`` or by its id.
  void found(const EdgesRead& read, Cell rows, const std::vector<NodeIdx>& table);
  void runs(Cell rows, const std::vector<NodeIdx>& table);
  void owned(Cell rows, const std::vector<NodeIdx>& table);

 protected:
  ~RowsReader() = default;

 private:
  NodeIdx summary_row(Cell row, const SummaryForm& form, HeldAs wanted);
  void found_ends(Cell ends);
  NodeIdx at(const std::vector<NodeIdx>& table, Cell place_or_id);
  // A record of the one property ``key`` valued ``value`` (None: an empty record).
  Record* one(std::string_view key, Cell value, bool share);
};

}  // namespace lm
