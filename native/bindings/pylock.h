// The GIL and the graph's lock (native/core/locking.h) together, in one order.
//
// A thread never waits for the graph's lock while it holds the GIL: ``Holding`` lets the GIL go
// while it waits, then takes it back. So a thread holding the graph that needs the GIL (to make
// its answer's Python objects) always gets it, and no two threads wait on each other. The core's
// pure C++ work runs in a ``NoGil`` scope: other Python threads (the event loop, /healthz, other
// queries) run meanwhile. Python inputs are converted before it, Python results made after it.
#pragma once

#include <optional>
#include <type_traits>

#include "py.h"

#include "graph.h"

namespace lm {

// The GIL let go for this scope (``on``: only if asked; a remote view keeps it: its source calls Python).
class NoGil {
 public:
  explicit NoGil(bool on = true) : state_(on ? PyEval_SaveThread() : nullptr) {}
  ~NoGil() {
    if (state_ != nullptr) PyEval_RestoreThread(state_);
  }
  NoGil(const NoGil&) = delete;
  NoGil& operator=(const NoGil&) = delete;

 private:
  PyThreadState* state_;
};

// What this thread holds of a graph now (a dealloc met while it holds it must not wait for it).
struct Held {
  const Graph* graph = nullptr;
  bool alone = false;
};
inline thread_local Held held_now;

// The graph's lock (ReadLock or WriteLock) for this scope, waited for with the GIL let go; a
// no-op in a thread that holds it already as it needs it.
template <class Lock>
class Holding {
 public:
  explicit Holding(Graph& g) : before_(held_now) {
    constexpr bool alone = std::is_same_v<Lock, WriteLock>;
    if (before_.graph == &g && (before_.alone || !alone)) return;
    {
      NoGil waiting;
      lock_.emplace(g);
    }
    held_now = Held{&g, alone};
  }
  ~Holding() {
    lock_.reset();
    held_now = before_;
  }
  Holding(const Holding&) = delete;
  Holding& operator=(const Holding&) = delete;

 private:
  Held before_;
  std::optional<Lock> lock_;
};

using Reading = Holding<ReadLock>;
using Writing = Holding<WriteLock>;

// ``read()`` with the graph shared; run again with the graph alone when it needs that
// (NeedsExclusive: a read about to add a string to the pool).
template <class F>
auto read_graph(Graph& g, F&& read) -> decltype(read()) {
  try {
    Reading shared(g);
    return read();
  } catch (const NeedsExclusive&) {
  }
  Writing alone(g);
  return read();
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

// ``work`` with the graph alone (freeing what holds the graph's strings or records): now, or, in a
// thread that holds the graph shared (a dealloc while a read makes Python objects), by the next writer.
template <class F>
void alone_with(Graph& g, F&& work) {
  if (held_now.graph == &g && !held_now.alone) {
    g.when_alone(std::forward<F>(work));
    return;
  }
  Writing alone(g);
  work();
}

}  // namespace lm
