// One query's view of a store (graph._native.View): where it reads (its Source: the embedded graph,
// or a remote store's mirror), the View of it now or as of a moment, and the alias resolver its
// reads share.
#pragma once

#include <memory>
#include <string_view>

#include "aliases.h"

namespace lm {

class QueryView {
 public:
  // ``past``: as of the moment ``as_of`` (a stamp's text), whose stamp the pool holds while this
  // lives (so on the embedded graph the caller has it alone); now, the caller shares the graph
  // (the view judges the writes since the last read).
  QueryView(std::unique_ptr<Source> source, bool past, std::string_view as_of);
  // Lets go of the strings the aliases and the moment hold (on the embedded graph, under its lock).
  ~QueryView();
  QueryView(const QueryView&) = delete;
  QueryView& operator=(const QueryView&) = delete;

  const std::unique_ptr<Source> source;
  View view;
  Aliases aliases;
};

}  // namespace lm
