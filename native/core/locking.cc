#include "locking.h"

#include <mutex>

#include "graph.h"

namespace lm {

namespace {
constexpr size_t kDeferredBound = 4096;  // last references readers may leave for a writer to let go
}

ReadLock::ReadLock(Graph& g) : g_(g) {
  for (;;) {
    g.lock_.lock_shared();
    if (!g.unsettled()) break;
    g.lock_.unlock_shared();
    std::unique_lock<RwLock> alone(g.lock_);
    g.settle();
    g.let_go_deferred();
  }
  g.readers_.fetch_add(1, std::memory_order_relaxed);
}

ReadLock::~ReadLock() {
  g_.readers_.fetch_sub(1, std::memory_order_relaxed);
  size_t deferred;
  {
    std::lock_guard<std::mutex> guard(g_.holds_);
    deferred = g_.deferred_.size() + g_.deferred_work_.size();
  }
  g_.lock_.unlock_shared();
  // Reads alone never meet a writer: let go what they left once it adds up, if no one waits.
  if (deferred >= kDeferredBound && g_.lock_.try_lock()) {
    g_.let_go_deferred();
    g_.lock_.unlock();
  }
}

WriteLock::WriteLock(Graph& g) : g_(g) {
  g.lock_.lock();
  g.let_go_deferred();
}

WriteLock::~WriteLock() { g_.lock_.unlock(); }

StrId Graph::hold(std::string_view text) {
  if (readers_.load(std::memory_order_relaxed) == 0) return pool.intern(text);  // alone (or unlocked)
  std::lock_guard<std::mutex> guard(holds_);
  StrId id = pool.find(text);
  if (id == kNone) throw NeedsExclusive{};
  pool.incref(id);
  return id;
}

void Graph::let_go(StrId id) {
  if (readers_.load(std::memory_order_relaxed) == 0) return pool.decref(id);
  std::lock_guard<std::mutex> guard(holds_);
  if (pool.refs(id) > 1) pool.decref(id);  // never the last here: releasing moves the pool's table
  else deferred_.push_back(id);
}

void Graph::when_alone(std::function<void()> work) {
  std::lock_guard<std::mutex> guard(holds_);
  deferred_work_.push_back(std::move(work));
}

void Graph::let_go_deferred() {
  std::vector<StrId> ids;
  std::vector<std::function<void()>> work;
  ids.swap(deferred_);
  work.swap(deferred_work_);
  for (StrId id : ids) pool.decref(id);
  for (auto& w : work) w();
}

}  // namespace lm
