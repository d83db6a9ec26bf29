"""The reference endpoint: a bare Flask app doing one upsert per request, served the same way as the app.

Figures are reported as a ratio to this, measured in the same run, so they survive a noisy machine.
"""

from __future__ import annotations

import json
import os

from flask import Flask, request
from sqlalchemy import Column, Integer, MetaData, Table, Text, insert, update

from core.db import make_engine

metadata = MetaData()
bare = Table("bench_bare", metadata, Column("k", Integer, primary_key=True), Column("v", Text), Column("seq", Integer))


def create_app() -> Flask:
    engine = make_engine(os.environ["PREFABSKILLS_DATABASE_URL"])
    metadata.create_all(engine)
    app = Flask(__name__)

    @app.put("/bare/<int:key>")
    def upsert(key: int):
        body = request.get_json(silent=True) or {}
        with engine.begin() as conn:
            changed = conn.execute(update(bare).where(bare.c.k == key, bare.c.seq < body.get("seq", 0))
                                   .values(v=str(body.get("response")), seq=body.get("seq", 0))).rowcount
            if not changed:
                try:
                    conn.execute(insert(bare).values(k=key, v=str(body.get("response")), seq=body.get("seq", 0)))
                except Exception:  # the row exists with a newer seq: acknowledged, not applied
                    pass
        return {"seq": body.get("seq", 0), "applied": bool(changed)}

    return app


def hello(environ, start_response):
    """The floor: a WSGI callable with no framework and no database (reads the body, answers two bytes). What the
    server and the generator cost per request on this machine, below anything an application can reach."""
    environ["wsgi.input"].read()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
    return [b"ok"]


def upsert_request(n: int) -> tuple[str, str, dict[str, str], bytes]:
    """The ``n``-th request of a load on the upsert endpoint (method, path, headers, body): 5,000 keys in turn,
    each with a rising ``seq`` like an answer save."""
    return ("PUT", f"/bare/{n % 5000}", {"Content-Type": "application/json"},
            json.dumps({"response": "B", "seq": n + 1}).encode())
