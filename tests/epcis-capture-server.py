#!/usr/bin/env python3
# epcis-capture-server.py: an EPCIS 2.0 capture interface on loopback, with faults on demand
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Follows the capture part of the EPCIS 2.0 REST binding: OPTIONS /capture
# announces GS1-EPCIS-Capture-Limit and GS1-EPCIS-Capture-File-Size-Limit;
# POST /capture answers 202 with the capture job's Location (or, with
# --mode sync, 200 at once); GET /capture/{id} gives the job with
# running, success and RFC 7807 errors, each naming its event by
# "instance".  Capture is all-or-nothing ("rollback").  Events are kept
# in an SQLite file by eventID, in arrival order; an event that comes
# again is counted as a duplicate and not stored twice.
#
# Prints "PORT n" once it listens.  Faults are set by POST /_control with
# a JSON object (see CONTROL_KEYS); /_stats gives the counters.
#
#     epcis-capture-server.py --db FILE [--port N] [--mode job|sync]
#         [--auth none|basic:USER:PASSWORD|bearer:TOKEN]
#         [--capture-limit N] [--size-limit BYTES] [--master-data FILE]

import argparse
import base64
import hashlib
import http.server
import json
import socket
import sqlite3
import sys
import threading
import time
import uuid
import xml.etree.ElementTree as ET

# What /_control may set, and the defaults.
CONTROL_KEYS = {
    "fail_5xx": 0,            # the next n POSTs answer 500
    "reset": 0,               # the next n POSTs: read half the body, then drop the connection
    "slow": 0.0,              # seconds every answer to a POST waits, after capturing
    "fail_jobs": 0,           # the next n capture jobs fail with an ImplementationException
    "reject": [],             # substrings: an event whose identifiers contain one is refused
    "advertise_limits": True, # whether OPTIONS announces the limits
    "job_delay": 0.0,         # seconds a capture job reports itself running
}


class State:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.db = sqlite3.connect(args.db, check_same_thread=False, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY,"
                        " event_id TEXT UNIQUE NOT NULL, type TEXT, parent TEXT, epcs TEXT)")
        self.db.execute("CREATE TABLE IF NOT EXISTS declarations (seq INTEGER PRIMARY KEY,"
                        " event_id TEXT UNIQUE NOT NULL, reason TEXT)")
        self.db.execute("CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY,"
                        " value INTEGER NOT NULL)")
        self.control = dict(CONTROL_KEYS)
        self.jobs = {}

    def bump(self, name, n=1):
        self.db.execute("INSERT INTO counters VALUES (?, ?) ON CONFLICT (name)"
                        " DO UPDATE SET value = value + excluded.value", (name, n))

    def counters(self):
        return dict(self.db.execute("SELECT name, value FROM counters"))

    def take(self, name):
        """Uses up one of the faults counted in @name; whether there was one."""
        if self.control[name] > 0:
            self.control[name] -= 1
            return True
        return False

    def capture(self, events):
        """All or nothing: the per-event problems, or [] once all are stored."""
        problems = []
        for event in events:
            for pattern in self.control["reject"]:
                if pattern in event["epcs"] or pattern in (event["parent"] or ""):
                    problems.append({
                        "type": "epcisException:ValidationException",
                        "title": "Unknown product",
                        "status": 400,
                        "detail": "the repository has no master data for " + pattern,
                        "instance": event["id"],
                    })
        if problems:
            self.bump("rejected_documents")
            return problems
        self.db.execute("BEGIN")
        duplicates = 0
        for event in events:
            if event.get("declaration") is not None:
                # An error declaration names a captured event; kept apart.
                self.db.execute("INSERT OR IGNORE INTO declarations (event_id, reason)"
                                " VALUES (?, ?)", (event["id"], event["declaration"]))
                continue
            cursor = self.db.execute("INSERT OR IGNORE INTO events (event_id, type, parent, epcs)"
                                     " VALUES (?, ?, ?, ?)",
                                     (event["id"], event["type"], event["parent"], event["epcs"]))
            if cursor.rowcount == 0:
                duplicates += 1
        self.bump("duplicates", duplicates)
        self.bump("captured", len(events) - duplicates)
        self.db.execute("COMMIT")
        return []


def local(tag):
    return tag.rsplit("}", 1)[-1]


def parse_events(body, content_type):
    """The events of an EPCISDocument, JSON-LD or XML: id, type, parent, epcs."""
    events = []
    if "json" in content_type:
        document = json.loads(body)
        for event in document["epcisBody"]["eventList"]:
            epcs = event.get("epcList") or event.get("childEPCs") or []
            declaration = event.get("errorDeclaration")
            events.append({"id": event.get("eventID"), "type": event.get("type"),
                           "parent": event.get("parentID"), "epcs": json.dumps(epcs),
                           "declaration": declaration.get("reason", "") if declaration else None})
        return events
    root = ET.fromstring(body)
    for element in root.iter():
        if local(element.tag) not in ("ObjectEvent", "AggregationEvent"):
            continue
        found = {"id": None, "type": local(element.tag), "parent": None, "epcs": [],
                 "declaration": None}
        for child in element.iter():
            name = local(child.tag)
            if name == "eventID":
                found["id"] = child.text
            elif name == "parentID":
                found["parent"] = child.text
            elif name == "epc":
                found["epcs"].append(child.text)
            elif name == "errorDeclaration":
                found["declaration"] = ""
            elif name == "reason" and found["declaration"] is not None:
                found["declaration"] = child.text
        found["epcs"] = json.dumps(found["epcs"])
        events.append(found)
    return events


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "epcis-capture-server"

    def log_message(self, format, *args):
        pass

    @property
    def state(self):
        return self.server.state

    def answer(self, status, body=None, headers=(), content_type="application/json"):
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        if body is not None:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if data:
            self.wfile.write(data)

    def problem(self, status, kind, title, detail=None):
        body = {"type": kind, "title": title, "status": status}
        if detail:
            body["detail"] = detail
        self.answer(status, body, content_type="application/problem+json")

    def authorised(self):
        auth = self.state.args.auth
        if auth == "none":
            return True
        kind, _, secret = auth.partition(":")
        if kind == "basic":
            expected = "Basic " + base64.b64encode(secret.encode()).decode()
        else:
            expected = "Bearer " + secret
        if self.headers.get("Authorization") == expected:
            return True
        with self.state.lock:
            self.state.bump("unauthorised")
        self.problem(401, "epcisException:SecurityException", "Unauthorized")
        return False

    def read_body(self):
        length = int(self.headers.get("Content-Length", "0"))
        return self.rfile.read(length)

    def do_OPTIONS(self):
        if self.path != "/capture" or not self.authorised():
            if self.path != "/capture":
                self.problem(404, "epcisException:NoSuchResourceException", "Not found")
            return
        headers = [("Allow", "OPTIONS, GET, POST"), ("GS1-EPCIS-Version", "2.0.0"),
                   ("GS1-Capture-Error-Behaviour", "rollback")]
        if self.state.control["advertise_limits"]:
            if self.state.args.capture_limit:
                headers.append(("GS1-EPCIS-Capture-Limit", str(self.state.args.capture_limit)))
            if self.state.args.size_limit:
                headers.append(("GS1-EPCIS-Capture-File-Size-Limit",
                                str(self.state.args.size_limit)))
        self.answer(204, None, headers)

    def do_GET(self):
        state = self.state
        if self.path == "/_stats":
            with state.lock:
                counters = state.counters()
                counters["events"] = state.db.execute("SELECT count(*) FROM events").fetchone()[0]
            self.answer(200, counters)
            return
        if not self.authorised():
            return
        if self.path == "/masterdata" and state.args.master_data:
            with open(state.args.master_data, "rb") as f:
                data = f.read()
            etag = '"%s"' % hashlib.sha256(data).hexdigest()[:16]
            with state.lock:
                state.bump("master_data_requests")
            if self.headers.get("If-None-Match") == etag:
                self.answer(304, None, [("ETag", etag)])
                return
            self.send_response(200)
            self.send_header("ETag", etag)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        if self.path.startswith("/capture/"):
            with state.lock:
                job = state.jobs.get(self.path[len("/capture/"):])
            if job is None:
                self.problem(404, "epcisException:NoSuchResourceException", "No such job")
                return
            running = time.monotonic() < job["done_at"]
            body = {"captureID": job["id"], "createdAt": job["created"],
                    "running": running, "success": running or not job["errors"],
                    "captureErrorBehaviour": "rollback",
                    "errors": [] if running else job["errors"]}
            if not running:
                body["finishedAt"] = job["created"]
            self.answer(200, body)
            return
        self.problem(404, "epcisException:NoSuchResourceException", "Not found")

    def do_POST(self):
        state = self.state
        if self.path == "/_control":
            changes = json.loads(self.read_body() or b"{}")
            with state.lock:
                for key, value in changes.items():
                    if key not in CONTROL_KEYS:
                        self.problem(400, "about:blank", "Unknown control " + key)
                        return
                    state.control[key] = value
            self.answer(200, state.control)
            return
        if self.path != "/capture":
            self.problem(404, "epcisException:NoSuchResourceException", "Not found")
            return
        if not self.authorised():
            self.read_body()
            return

        with state.lock:
            state.bump("posts")
            reset = state.take("reset")
            fail = state.take("fail_5xx")
        if reset:
            length = int(self.headers.get("Content-Length", "0"))
            self.rfile.read(length // 2)
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
            return
        body = self.read_body()
        if fail:
            self.problem(500, "epcisException:ImplementationException", "Internal error")
            return

        content_type = self.headers.get("Content-Type", "")
        try:
            events = parse_events(body, content_type)
        except (ValueError, KeyError, ET.ParseError) as e:
            self.problem(400, "epcisException:ValidationException", "Unreadable document",
                         str(e))
            return
        limit = state.args.capture_limit
        if (limit and len(events) > limit) or \
           (state.args.size_limit and len(body) > state.args.size_limit):
            with state.lock:
                state.bump("too_large")
            self.problem(413, "epcisException:CaptureLimitExceededException",
                         "Capture limit exceeded")
            return
        if any(not e["id"] for e in events):
            self.problem(400, "epcisException:ValidationException", "An event has no eventID")
            return

        with state.lock:
            failed_job = state.args.mode == "job" and state.take("fail_jobs")
            if failed_job:
                errors = [{"type": "epcisException:ImplementationException",
                           "title": "Storage unavailable", "status": 500}]
            else:
                errors = state.capture(events)
            state.bump("events_received", len(events))
            slow = state.control["slow"]
            job_delay = state.control["job_delay"]
            job_id = uuid.uuid4().hex
            state.jobs[job_id] = {"id": job_id,
                                  "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                                  "done_at": time.monotonic() + job_delay, "errors": errors}
        if slow:
            time.sleep(slow)

        if state.args.mode == "job":
            self.answer(202, None, [("Location", "/capture/" + job_id)])
        elif errors:
            self.answer(400, {"type": "epcisException:ValidationException",
                              "title": "Events refused", "status": 400, "errors": errors},
                        content_type="application/problem+json")
        else:
            self.answer(201, None, [("Location", "/capture/" + job_id)])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--mode", choices=("job", "sync"), default="job")
    parser.add_argument("--auth", default="none")
    parser.add_argument("--capture-limit", type=int, default=0)
    parser.add_argument("--size-limit", type=int, default=0)
    parser.add_argument("--master-data")
    args = parser.parse_args()

    http.server.ThreadingHTTPServer.allow_reuse_address = True
    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    server.state = State(args)
    print("PORT %d" % server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
