// The graph's reader–writer lock (locking.h): what readers may change while they share the graph
// (held ids, deferred last references and work), and readers with a writer in other threads.
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "fixture.h"
#include "holding.h"
#include "locking.h"

namespace lm {
namespace {

TEST(Locking, AReaderHoldsAKnownStringAndIsToldToRetryForANewOne) {
  Graph g;
  StrId known = g.pool.intern("dataset:ns:known");
  {
    ReadLock read(g);
    StrId held = g.hold("dataset:ns:known");
    EXPECT_EQ(held, known);
    EXPECT_EQ(g.pool.refs(known), 2u);
    // Interning may grow the pool's tables under the other readers: the read must rerun alone.
    EXPECT_THROW(g.hold("dataset:ns:never-seen"), NeedsExclusive);
    EXPECT_EQ(g.pool.find("dataset:ns:never-seen"), kNone);
    g.let_go(held);
    EXPECT_EQ(g.pool.refs(known), 1u);
  }
}

TEST(Locking, AlonePoolChangesAreImmediate) {
  Graph g;
  StrId id = g.hold("dataset:ns:alone");  // no reader: interned at once
  EXPECT_NE(id, kNone);
  EXPECT_EQ(g.pool.refs(id), 1u);
  g.let_go(id);
  EXPECT_EQ(g.pool.find("dataset:ns:alone"), kNone);
}

TEST(Locking, ALastReferenceAReaderLetsGoIsReleasedByTheNextWriter) {
  Graph g;
  StrId id = g.pool.intern("dataset:ns:transient");
  {
    ReadLock read(g);
    g.let_go(id);  // the last reference: releasing would move the pool's table under readers
    EXPECT_EQ(g.pool.refs(id), 1u);
    EXPECT_EQ(g.pool.find("dataset:ns:transient"), id);
  }
  EXPECT_EQ(g.pool.find("dataset:ns:transient"), id);  // one deferred id is not worth a writer
  { WriteLock write(g); }
  EXPECT_EQ(g.pool.find("dataset:ns:transient"), kNone);
}

TEST(Locking, WorkOnlyAWriterMayDoWaitsForTheNextWriter) {
  Graph g;
  int done = 0;
  {
    ReadLock read(g);
    g.when_alone([&done] { done++; });
    EXPECT_EQ(done, 0);
  }
  EXPECT_EQ(done, 0);
  { WriteLock write(g); }
  EXPECT_EQ(done, 1);
  { WriteLock write(g); }
  EXPECT_EQ(done, 1);  // once
}

TEST(Locking, ManyDeferredReferencesAreReleasedWhenTheLastReaderLeaves) {
  Graph g;
  std::vector<StrId> ids;
  for (int i = 0; i < 5000; i++) ids.push_back(g.pool.intern("dataset:ns:t" + std::to_string(i)));
  size_t before = g.pool.live();
  {
    ReadLock read(g);
    for (StrId id : ids) g.let_go(id);
    EXPECT_EQ(g.pool.live(), before);
  }
  // Past the bound (4096), the reader leaving lets them go itself when no writer waits.
  EXPECT_EQ(g.pool.live(), before - ids.size());
}

// A Waiting scope that counts the waits (the bindings' lets the GIL go).
int waits = 0;
struct Counted {
  Counted() { waits++; }
};
using Reading = Holding<ReadLock, Counted>;
using Writing = Holding<WriteLock, Counted>;

TEST(Holding, AThreadTakesTheLockOnceAsItNeedsIt) {
  Graph g;
  waits = 0;
  {
    Writing alone(g);
    EXPECT_EQ(held_now.graph, &g);
    EXPECT_TRUE(held_now.alone);
    {
      Reading shared(g);  // held alone already: not taken again (a second take would deadlock)
      Writing again(g);
      EXPECT_TRUE(held_now.alone);
    }
    EXPECT_TRUE(held_now.alone);
  }
  EXPECT_EQ(waits, 1);
  EXPECT_EQ(held_now.graph, nullptr);
  {
    Reading shared(g);
    Reading again(g);
    EXPECT_FALSE(held_now.alone);
  }
  EXPECT_EQ(waits, 2);
  Graph other;
  {
    Reading shared(g);
    Writing elsewhere(other);  // another graph's lock is its own
    EXPECT_EQ(held_now.graph, &other);
  }
  EXPECT_EQ(held_now.graph, nullptr);
  EXPECT_EQ(waits, 4);
}

TEST(Holding, AReadNeedingTheGraphAloneRunsAgainAlone) {
  Graph g;
  std::vector<bool> alone;
  StrId id = read_graph<Counted>(g, [&] {
    alone.push_back(held_now.alone);
    return g.hold("dataset:ns:new");  // shared: NeedsExclusive
  });
  EXPECT_EQ(alone, (std::vector<bool>{false, true}));
  EXPECT_EQ(g.pool.find("dataset:ns:new"), id);
  EXPECT_EQ(read_graph<Counted>(g, [&] { return held_now.alone; }), false);  // once, shared
}

TEST(Holding, WorkAloneIsDoneNowOrByTheNextWriter) {
  Graph g;
  int done = 0;
  alone_with<Counted>(g, [&] { done++; });
  EXPECT_EQ(done, 1);
  {
    Reading shared(g);
    alone_with<Counted>(g, [&] { done++; });  // a writer's lock now would wait for this thread
    EXPECT_EQ(done, 1);
  }
  { Writing alone(g); }
  EXPECT_EQ(done, 2);
  {
    Writing alone(g);
    alone_with<Counted>(g, [&] { done++; });  // held alone: at once
    EXPECT_EQ(done, 3);
  }
}

// A job writing a dataset: the nodes one commit adds.
Bytes job_writing(int i) {
  Builder b("2026-01-05T00:00:00.000000Z");
  std::string n = std::to_string(i);
  std::string job = b.job("etl", "j" + n, b.map());
  b.edge(job, kWrites, b.dataset_ref("pg", "d" + n));
  return b.wire.finish();
}

TEST(Locking, ReadersSeeOnlyWholeCommitsWhileAWriterCommits) {
  Graph g;
  fixture::commit(g, job_writing(0));
  const size_t per = g.node_count();
  ASSERT_GT(per, 0u);
  constexpr int kCommits = 60;
  std::atomic<bool> writing{true};
  std::atomic<int> reads{0};
  std::atomic<int> torn{0};
  auto reader = [&] {
    size_t last = 0;
    while (writing.load()) {
      ReadLock read(g);
      size_t nodes = g.node_count();
      if (nodes % per != 0 || nodes < last) torn++;  // a part of a commit, or one undone
      last = nodes;
      reads++;
    }
  };
  std::vector<std::thread> readers;
  for (int i = 0; i < 3; i++) readers.emplace_back(reader);
  // Commit only once the readers read (a loaded host may not run them before 60 commits end).
  while (reads.load() < 3) std::this_thread::yield();
  for (int i = 1; i < kCommits; i++) {
    Bytes batch = job_writing(i);
    WriteLock write(g);
    fixture::commit(g, batch);
  }
  writing = false;
  for (auto& t : readers) t.join();
  EXPECT_EQ(torn.load(), 0);
  EXPECT_GT(reads.load(), 0);
  EXPECT_EQ(g.node_count(), per * kCommits);
}

}  // namespace
}  // namespace lm
