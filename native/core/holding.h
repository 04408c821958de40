// What a thread holds of a graph (native/core/locking.h's lock), taken once however deep its calls.
//
// A thread holding the graph that meets a call taking it again (a dealloc while a read makes its
// answer, a read inside a write) must not wait for the lock it holds: ``Holding`` takes it only
// when the thread does not hold it as the call needs it. A read that needs the graph alone
// (NeedsExclusive) runs again with it alone (``read_graph``); work only a writer may do, met while
// the thread shares the graph, is left for the next writer (``alone_with``). ``Waiting``: a scope
// the lock is waited for in (the bindings let the GIL go there, native/bindings/pylock.h).
#pragma once

#include <optional>
#include <type_traits>
#include <utility>

#include "graph.h"

namespace lm {

// What this thread holds of a graph now.
struct Held {
  const Graph* graph = nullptr;
  bool alone = false;
};
inline thread_local Held held_now;

// The graph's lock (ReadLock or WriteLock) for this scope, waited for in a ``Waiting`` scope; a
// no-op in a thread that holds it already as it needs it.
template <class Lock, class Waiting>
class Holding {
 public:
  explicit Holding(Graph& g) : before_(held_now) {
    constexpr bool alone = std::is_same_v<Lock, WriteLock>;
    if (before_.graph == &g && (before_.alone || !alone)) return;
    {
      Waiting waiting;
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

// ``read()`` with the graph shared; run again with the graph alone when it needs that
// (NeedsExclusive: a read about to add a string to the pool).
template <class Waiting, class F>
auto read_graph(Graph& g, F&& read) -> decltype(read()) {
  try {
    Holding<ReadLock, Waiting> shared(g);
    return read();
  } catch (const NeedsExclusive&) {
  }
  Holding<WriteLock, Waiting> alone(g);
  return read();
}

// ``work`` with the graph alone (freeing what holds the graph's strings or records): now, or, in a
// thread that holds the graph shared, by the next writer.
template <class Waiting, class F>
void alone_with(Graph& g, F&& work) {
  if (held_now.graph == &g && !held_now.alone) {
    g.when_alone(std::forward<F>(work));
    return;
  }
  Holding<WriteLock, Waiting> alone(g);
  work();
}

}  // namespace lm
