"""Parsed and validated GraphQL documents, kept by query text.

Clients send the same few query texts again and again with new variables. Parsing and validating
one (graphql-core's rules plus our depth, token and alias limits) costs more CPU than answering a
small lineage question, yet the outcome depends only on the text and the schema with its limits,
never on variables or the store. strawberry's ``ParserCache``/``ValidationCache`` do not fit: our
limit extensions build fresh rule classes per request, so a cache keyed by the rules never hits.

So each schema keeps its own cache of texts that parsed and validated cleanly; a hit skips both
steps. Invalid texts are not kept: they run the full checks every time and fail as before.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from threading import Lock

from graphql import DocumentNode
from strawberry.extensions import SchemaExtension

DEFAULT_SIZE = 256  # distinct query texts kept; the least recently used goes first


class ValidDocuments:
    """A bounded, thread-safe LRU map from query text to its valid parsed document (operations
    run in worker threads)."""

    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        self.size = size
        self._documents: OrderedDict[str, DocumentNode] = OrderedDict()
        self._lock = Lock()

    def get(self, query: str) -> DocumentNode | None:
        with self._lock:
            document = self._documents.get(query)
            if document is not None:
                self._documents.move_to_end(query)
            return document

    def put(self, query: str, document: DocumentNode) -> None:
        with self._lock:
            self._documents[query] = document
            self._documents.move_to_end(query)
            while len(self._documents) > self.size:
                self._documents.popitem(last=False)

    def __len__(self) -> int:
        return len(self._documents)


class DocumentCache(SchemaExtension):
    """Skips parsing and validation for a query text that passed both before with this schema.

    A hit hands strawberry the document and an empty error list, which it takes as "validated";
    a miss runs both steps as usual and keeps the document if validation found nothing."""

    def __init__(self, documents: ValidDocuments) -> None:
        self.documents = documents
        self._hit = False

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        document = self.documents.get(context.query) if context.query else None
        if document is not None:
            context.graphql_document = document
            context.pre_execution_errors = []
            self._hit = True
        yield

    def on_validate(self) -> Iterator[None]:
        yield
        context = self.execution_context
        if (
            not self._hit
            and context.pre_execution_errors == []
            and context.graphql_document is not None
            and context.query
        ):
            self.documents.put(context.query, context.graphql_document)
