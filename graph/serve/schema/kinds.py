"""The GraphQL enums: the model's own enums, registered under their GraphQL names."""

from __future__ import annotations

import strawberry

from graph.core.model import Direction, EdgeKind
from graph.core.model import NodeKind as ModelNodeKind
from graph.read.impact import ChangeKind

strawberry.enum(Direction, name="LineageDirection", description="Which way to follow lineage.")
LineageDirection = Direction


strawberry.enum(ModelNodeKind, name="NodeKind", description="What a node stands for.")
NodeKind = ModelNodeKind
strawberry.enum(EdgeKind, name="EdgeKind", description="Relationship types.")
EdgeType = EdgeKind
strawberry.enum(
    ChangeKind, name="ChangeKind", description="The kind of change whose impact is asked."
)
ChangeKindType = ChangeKind
