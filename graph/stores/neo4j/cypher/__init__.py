"""Every query text of the Neo4j store, by what it reads or writes: ``graph`` (the graph's schema,
format and upgrades, its writes and its node and edge reads), ``walk_ahead`` (a walk's levels read
ahead), ``facts_reads`` (the facts around an answer), ``around`` (the lookup around an answer),
``judging`` (a write batch's jobs judged) and ``event_blocks`` (the raw event log). Static text:
labels and types only from the enums, values only as parameters. The modules beside this package
run the statements and decode their rows."""
