// Concurrency: the graph's reader–writer lock.
//
// Readers (walks, impact, rendering, the store's primitive reads, a snapshot's chunks) share the
// graph; writers (plan, commit, install, load, capture) have it alone. The bindings let the GIL go
// while they wait for this lock and while the core works under it, so a long walk no longer stalls
// every other Python thread, and two walks run on two cores.
//
// What a reader changes, it changes safely: the job currency the writes since the last read left
// unjudged (``Graph::settle``) is judged under the writer's lock before a reader shares the graph;
// the ids a walk holds (an id no node has: a column an alias's schema implies, a product's domain)
// are held through ``Graph::hold`` / ``Graph::let_go``, which count references under a small mutex
// of their own. A reader that would have to add a string the pool does not yet hold (which may move
// the pool's tables under the other readers) throws ``NeedsExclusive``: the binding runs the read
// again under the writer's lock.
#pragma once

namespace lm {

class Graph;

// A read met something only a writer may do (see above): run it again under WriteLock.
struct NeedsExclusive {};

// The graph shared with other readers for this scope (the writes since the last read judged first).
class ReadLock {
 public:
  explicit ReadLock(Graph& g);
  ~ReadLock();
  ReadLock(const ReadLock&) = delete;
  ReadLock& operator=(const ReadLock&) = delete;

 private:
  Graph& g_;
};

// The graph alone for this scope.
class WriteLock {
 public:
  explicit WriteLock(Graph& g);
  ~WriteLock();
  WriteLock(const WriteLock&) = delete;
  WriteLock& operator=(const WriteLock&) = delete;

 private:
  Graph& g_;
};

}  // namespace lm
