// What the View, Lineage and Impact types (graph._native, native/bindings/views.cc, answers.cc)
// share: their objects, how their methods take the graph's lock, and the node columns both read.
#pragma once

#include "py.h"

#include "impact.h"
#include "pylock.h"
#include "pymodule.h"
#include "query_view.h"
#include "remote_source.h"

#include <memory>

namespace lm {

// One query's view of a store (native/core/query_view.h). Made in place by nanobind (View.__init__,
// views.cc); its destructor lets go of what it holds of its graph's pool under the graph's lock.
struct ViewObject {
  nb::object graph_owner;  // the Graph a view of the embedded store reads (else null)
  nb::object store;
  std::unique_ptr<QueryView> query;
  View& view() const { return query->view; }

  ViewObject(Graph* graph, nb::handle store, std::optional<Text> as_of, nb::handle summary, nb::handle names);
  ~ViewObject();
};

// A walk's answer: it keeps its View (and so the graph) alive, reads its graph's records.
struct LineageObject {
  nb::object owner;  // the View
  std::unique_ptr<LineageAnswer> answer;
};

// An impact answer: it holds strings of the view's pool (``answer->held``), let go with it.
struct ImpactObject {
  nb::object owner;  // the View
  std::unique_ptr<ImpactReportAnswer> answer;

  ImpactObject(nb::object owner, std::unique_ptr<ImpactReportAnswer> answer)
      : owner(std::move(owner)), answer(std::move(answer)) {}
  ImpactObject(ImpactObject&&) = default;
  ~ImpactObject();
};

inline ViewObject* view_of(nb::handle self) { return nb::inst_ptr<ViewObject>(self); }

// A view of the embedded store reads its graph under the graph's lock (native/bindings/pylock.h)
// and lets the GIL go for its walks; a view of a remote store reads its own mirror, through its
// store's Python methods (bindings/remote_source.h), with the GIL held throughout.
inline bool embedded(const ViewObject* v) { return v->graph_owner.is_valid(); }

// ``read`` (a method of a view or of its answers: its Python object or answer object, made here) under
// its graph's lock when the view reads the embedded store.
template <class F>
auto locked(ViewObject* v, F&& read) -> decltype(read()) {
  if (!embedded(v)) return read();
  return read_graph(v->view().g, read);
}

using ViewSelf = nb::pointer_and_handle<ViewObject>;
inline ViewObject* view_in(ViewSelf self) { return self.p; }
inline ViewObject* view_in(const LineageObject& l) { return view_of(l.owner); }
inline ViewObject* view_in(const ImpactObject& im) { return view_of(im.owner); }

// A method of a view or of its answers (``f(self, args...)``), for nb::class_::def: run ``locked``.
template <class Self, class R, class... A>
auto under_lock(R (*f)(Self, A...)) {
  return [f](Self self, A... args) -> R { return locked(view_in(self), [&] { return f(self, args...); }); };
}

nb::object id_str(const Graph& g, StrId id);

// native/bindings/answers.cc: Lineage and Impact (bind_views declares them first: View's walks
// return them).
void bind_answers(nb::module_& m);

}  // namespace lm
