#include "query_view.h"

#include "stamps.h"

namespace lm {

QueryView::QueryView(std::unique_ptr<Source> source, bool past, std::string_view as_of)
    : source(std::move(source)),
      view(*this->source, past, past ? stamp_of(as_of, this->source->g.pool) : 0),
      aliases(view) {}

QueryView::~QueryView() {
  if (view.past && is_text_stamp(view.as_of)) view.g.let_go(StrId(view.as_of >> 4));
}

}  // namespace lm
