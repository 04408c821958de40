"""The Cypher of the raw event log kept in a Neo4j graph's database
(``graph.stores.neo4j.event_blocks``, whose docstring says what its nodes are and why the clock is
taken last): static text, values only as parameters."""

SCHEMA = (
    "CREATE CONSTRAINT lineagemesh_event_block_id IF NOT EXISTS FOR (b:EventBlock) REQUIRE b.id IS UNIQUE",
    "CREATE CONSTRAINT lineagemesh_event_block_seq IF NOT EXISTS FOR (b:EventBlock) REQUIRE b.seq IS UNIQUE",
    "CREATE CONSTRAINT lineagemesh_event_hash IF NOT EXISTS FOR (h:EventHash) REQUIRE h.hash IS UNIQUE",
    "CREATE CONSTRAINT lineagemesh_event_log_clock IF NOT EXISTS FOR (c:EventLogClock) REQUIRE c.id IS UNIQUE",
    "CREATE CONSTRAINT lineagemesh_event_log_meta IF NOT EXISTS FOR (m:EventLogMeta) REQUIRE m.key IS UNIQUE",
    "CREATE RANGE INDEX lineagemesh_event_hash_seq IF NOT EXISTS FOR (h:EventHash) ON (h.seq)",
    "CREATE RANGE INDEX lineagemesh_event_subject IF NOT EXISTS FOR (s:EventSubject) ON (s.subject)",
    "CREATE RANGE INDEX lineagemesh_event_subject_seq IF NOT EXISTS FOR (s:EventSubject) ON (s.seq)",
    "CREATE RANGE INDEX lineagemesh_event_block_received IF NOT EXISTS FOR (b:EventBlock) ON (b.receivedAt)",
    "CREATE RANGE INDEX lineagemesh_event_block_first IF NOT EXISTS FOR (b:EventBlock) ON (b.firstTime)",
    "CREATE RANGE INDEX lineagemesh_event_block_last IF NOT EXISTS FOR (b:EventBlock) ON (b.lastTime)",
    "MERGE (c:EventLogClock {id: 'blocks'}) ON CREATE SET c.seq = 0",
)

KEPT = "UNWIND $hashes AS h MATCH (e:EventHash {hash: h}) RETURN collect(h)"
#: The clock taken (its write lock held to the commit), then the blocks written, numbered from it.
_WRITE = """
MERGE (c:EventLogClock {id: 'blocks'}) ON CREATE SET c.seq = 0
SET c.seq = c.seq + size($blocks)
WITH c.seq - size($blocks) AS base
UNWIND range(0, size($blocks) - 1) AS i
WITH base + i + 1 AS seq, $blocks[i] AS row
WITH row {.*, seq: seq} AS b
CREATE (n:EventBlock {id: b.id, seq: b.seq, kind: b.kind, receivedAt: b.receivedAt,
  events: b.events, payload: b.payload, times: b.times, firstTime: b.firstTime, lastTime: b.lastTime})
WITH b
CALL (b) { UNWIND b.hashes AS h MERGE (e:EventHash {hash: h}) ON CREATE SET e.seq = b.seq }
CALL (b) { UNWIND b.subjects AS s CREATE (:EventSubject {subject: s, seq: b.seq}) }
"""
WRITE_BLOCKS = _WRITE + "RETURN b.seq"
#: The same when none of $hashes is kept already (the usual case: one statement, one round trip
#: fewer a batch); else nothing written, and the kept ones returned.
WRITE_BLOCKS_IF_NONE_KEPT = f"""
WITH [h IN $hashes WHERE EXISTS {{ MATCH (:EventHash {{hash: h}}) }}] AS kept
CALL (kept) {{
WITH kept WHERE size(kept) = 0
{_WRITE}
RETURN collect(b.seq) AS seqs
}}
RETURN kept, seqs
"""
OLDEST_TO_AGE = (
    "MATCH (b:EventBlock) WHERE b.receivedAt < $before AND b.kind = $kind "
    "RETURN b.seq, b.payload, b.events ORDER BY b.seq LIMIT 1"
)
AGE = """
MATCH (b:EventBlock {seq: $seq}) WHERE b.kind = $old
SET b.kind = $kind, b.payload = $payload, b.times = null, b.firstTime = null, b.lastTime = null
WITH b
CALL (b) { MATCH (s:EventSubject {seq: b.seq}) DELETE s }
CALL (b) { MATCH (h:EventHash {seq: b.seq}) DELETE h }
RETURN count(b)
"""
BLOCKS = (
    "MATCH (b:EventBlock) WHERE b.seq > $after "
    "RETURN b.seq, b.kind, b.receivedAt, b.events, b.payload ORDER BY b.seq LIMIT $page"
)
EVENTS_BEFORE = "MATCH (b:EventBlock) WHERE b.seq <= $seq RETURN coalesce(sum(b.events), 0)"
LAST_SEQ = "MATCH (b:EventBlock) RETURN coalesce(max(b.seq), 0)"
SUBJECT_BLOCKS = """
MATCH (s:EventSubject) WHERE s.subject IN $names AND s.seq > $after
WITH DISTINCT s.seq AS seq ORDER BY seq
MATCH (b:EventBlock {seq: seq}) WHERE b.kind = $kind
RETURN b.seq, b.receivedAt, b.payload ORDER BY b.seq LIMIT $page
"""
_TIME_ROWS = (
    "MATCH (b:EventBlock) WHERE b.kind = $kind AND b.firstTime < $before AND b.lastTime >= $after "
    "RETURN b.seq, b.events, b.firstTime, b.lastTime ORDER BY "
)
#: The blocks of $kind whose events' times meet [$after, $before): the earliest first, or the
#: latest first.
TIME_ROWS_EARLIEST_FIRST = _TIME_ROWS + "b.firstTime ASC, b.seq"
TIME_ROWS_LATEST_FIRST = _TIME_ROWS + "b.lastTime DESC, b.seq"
TIMES = "MATCH (b:EventBlock {seq: $seq}) RETURN b.times"
RECEIVED_PAYLOAD = "MATCH (b:EventBlock {seq: $seq}) RETURN b.receivedAt, b.payload"
GET_META = "MATCH (m:EventLogMeta {key: $key}) RETURN m.value"
SET_META = "MERGE (m:EventLogMeta {key: $key}) SET m.value = $value"
DELETE_META = "MATCH (m:EventLogMeta {key: $key}) DELETE m"
