// The GIL and the graph's lock (native/core/locking.h) together, in one order.
//
// A thread never waits for the graph's lock while it holds the GIL: ``Holding`` lets the GIL go
// while it waits, then takes it back. So a thread holding the graph that needs the GIL (to make
// its answer's Python objects) always gets it, and no two threads wait on each other. The core's
// pure C++ work runs in a ``NoGil`` scope: other Python threads (the event loop, /healthz, other
// queries) run meanwhile. Python inputs are converted before it, Python results made after it.
#pragma once

#include <optional>
#include <utility>

#include "py.h"

#include "holding.h"

namespace lm {

// The GIL let go for this scope (``on``: only if asked; a remote view keeps it: its source calls Python).
struct NoGil : std::optional<nb::gil_scoped_release> {
  explicit NoGil(bool on = true) {
    if (on) emplace();
  }
};

// ``work()`` with the GIL let go, its answer kept for after.
template <class F>
auto without_gil(F&& work) -> decltype(work()) {
  NoGil working;
  return work();
}

// The core's hold on the graph (native/core/holding.h), the GIL let go while its lock is waited for.
using Reading = Holding<ReadLock, NoGil>;
using Writing = Holding<WriteLock, NoGil>;
template <class F>
auto read_graph(Graph& g, F&& read) -> decltype(read()) {
  return read_graph<NoGil>(g, std::forward<F>(read));
}

// A Graph method (``f(graph, args...)``) for nb::class_::def, its answer made with the graph
// shared (read_graph), or (``alone``) a change made with the graph alone.
template <class R, class... A>
auto read_method(R (*f)(Graph&, A...)) {
  return [f](Graph& g, A... args) -> R { return read_graph(g, [&] { return f(g, args...); }); };
}
template <class... A>
auto write_method(void (*f)(Graph&, A...)) {
  return [f](Graph& g, A... args) {
    Writing writing(g);
    f(g, args...);
  };
}

}  // namespace lm
