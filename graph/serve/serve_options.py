"""The ``serve`` options of the connection caps, websocket timeouts and subscription answer builds
(``graph.serve.connection_caps``, ``graph.serve.websocket``, ``graph.serve.live_answers``)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import click

from graph.serve.connection_caps import ConnectionLimits
from graph.serve.limits import GraphQLLimits


def connection_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The options; the command gets ``connections`` (a ``ConnectionLimits``),
    ``max_answer_builds`` and ``max_push_bytes``."""

    @click.option(
        "--max-connections",
        default=ConnectionLimits.total,
        show_default=True,
        type=click.IntRange(1),
        help="Connections (HTTP and websocket) the server holds at once; more are refused at once with 503.",
    )
    @click.option(
        "--max-client-connections",
        default=ConnectionLimits.per_address,
        show_default=True,
        type=click.IntRange(1),
        help="Connections one client address may hold at once; more are refused at once with 503.",
    )
    @click.option(
        "--ws-auth-seconds",
        default=ConnectionLimits.ws_auth_seconds,
        show_default=True,
        type=click.FloatRange(0.1),
        help="Time a websocket has to send connection_init; later, it is closed with 4408.",
    )
    @click.option(
        "--ws-idle-seconds",
        default=ConnectionLimits.ws_idle_seconds,
        show_default=True,
        type=click.FloatRange(0.1),
        help="An authenticated websocket running no operation for this long is closed with 4408.",
    )
    @click.option(
        "--max-answer-builds",
        default=GraphQLLimits.max_answer_builds,
        show_default=True,
        type=click.IntRange(1),
        help="Subscription answers built at once, server-wide; the others wait their turn.",
    )
    @click.option(
        "--max-push-bytes",
        default=GraphQLLimits.max_push_bytes,
        show_default=True,
        type=click.IntRange(1024),
        help="Bytes of subscription answers the server pushes a second, in all; subscriptions wait their turn.",
    )
    @functools.wraps(command)
    def wrapper(
        *args: Any,
        max_connections: int,
        max_client_connections: int,
        ws_auth_seconds: float,
        ws_idle_seconds: float,
        **kwargs: Any,
    ) -> Any:
        connections = ConnectionLimits(
            max_connections, max_client_connections, ws_auth_seconds, ws_idle_seconds
        )
        return command(*args, connections=connections, **kwargs)

    return wrapper
