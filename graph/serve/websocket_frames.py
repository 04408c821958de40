"""A query's answer over a websocket, framed in its worker thread, as an HTTP answer is encoded there.

A 10 MB answer sent over a websocket was copied on the event loop some seven times: the message
encoded around its payload, decoded to text, encoded back by the server, framed by ``websockets``
(twice) and joined before the write; four such answers held ``/healthz`` for 1.25-1.57 s where
HTTP's took 0.18-0.32 s (issue 74). So the worker that executed the query makes the whole text
frame (:func:`framed`: the ``next`` message, its payload spliced in, behind the frame header), and
the event loop writes it to the socket as it is:

* the server's websocket protocol (``graph.serve.connection_caps.CappedWebSockets``) announces it
  takes such frames (the ASGI extension :data:`EXTENSION` in the connection's scope) and writes
  the ``websocket.send`` message carrying one (:data:`FRAME_KEY`) straight to its transport;
* elsewhere (an ASGI server without it: the test client) the message is sent as text, as before.

The connection is uncompressed (``ws_per_message_deflate`` off) and a server's frames unmasked,
so the frame made in the worker is byte for byte the one ``websockets`` would have made.

A subscription's answer is completed and encoded once in a worker and shared by every subscription
asking the same (``graph.serve.live_answers``); each push of it is then framed in a worker too
(:func:`framed_next`), as the frame carries the subscription's own id.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from websockets.frames import Frame, Opcode

EXTENSION = "lineagemesh.websocket.frames"  # in the scope: the server writes FRAME_KEY messages
FRAME_KEY = "lineagemesh.frame"  # in a websocket.send message: a whole text frame, made already


class Framed(dict[str, Any]):
    """A graphql-transport-ws message whose whole text frame was made in a worker (``frame``)."""

    frame: bytes
    text: bytes  # the message's JSON, for a server that frames it itself


def framed(message: dict[str, Any], payload: bytes) -> Framed:
    """``message`` with ``payload`` (encoded JSON) as its payload, encoded and framed."""
    text = orjson.dumps({**message, "payload": orjson.Fragment(payload)})
    made = Framed(message)
    made.text = text
    made.frame = Frame(Opcode.TEXT, text).serialize(mask=False)
    return made


def framed_next(operation_id: str, data: Any, extensions: Mapping[str, Any] | None) -> Framed:
    """A subscription's ``next`` message for an answer ``data`` (an ``orjson.Fragment`` already
    encoded, or plain values), encoded and framed: made in a worker thread, written by the loop."""
    payload: dict[str, Any] = {"data": data}
    if extensions:
        payload["extensions"] = extensions
    return framed({"id": operation_id, "type": "next"}, orjson.dumps(payload))
