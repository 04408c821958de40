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

#include <pthread.h>

namespace lm {

class Graph;

// A reader–writer lock that prefers writers: a writer waiting holds back new readers, so readers
// that keep overlapping (queries in several threads) cannot starve the writes (glibc's default,
// and so std::shared_mutex's, lets them). Not recursive: a thread takes it once (the bindings see
// to that, native/core/holding.h).
class RwLock {
 public:
  RwLock() {
    pthread_rwlockattr_t attr;
    pthread_rwlockattr_init(&attr);
#ifdef __GLIBC__
    pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
#endif
    pthread_rwlock_init(&lock_, &attr);
    pthread_rwlockattr_destroy(&attr);
  }
  ~RwLock() { pthread_rwlock_destroy(&lock_); }
  RwLock(const RwLock&) = delete;
  RwLock& operator=(const RwLock&) = delete;

  void lock() { pthread_rwlock_wrlock(&lock_); }
  bool try_lock() { return pthread_rwlock_trywrlock(&lock_) == 0; }
  void unlock() { pthread_rwlock_unlock(&lock_); }
  void lock_shared() { pthread_rwlock_rdlock(&lock_); }
  void unlock_shared() { pthread_rwlock_unlock(&lock_); }

 private:
  pthread_rwlock_t lock_;
};

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
