"""A socket.io client in another language (Python: python-socketio + requests), written from the
README alone: the seed flow, room isolation, heartbeats with counts, the count back at 0, and an
error ack for a bad payload. Every REST answer it gets is checked against the server's
/openapi.json, every event and ack it receives against /asyncapi.json (jsonschema; contract.py).
Run by test/interop/run.sh against a running server."""
import collections
import sys
import threading
import time

import requests
import socketio

from contract import EventContract, RestContract

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
passed, failed = 0, 0
counter_lock = threading.Lock()
# Contract checks of REST answers and received events, by what was checked.
contract_checks = collections.Counter()


def check(name, condition, detail="", quiet=False):
    """One interop check; quiet ones (the contract checks, many) print only when they fail."""
    global passed, failed
    with counter_lock:
        if condition:
            passed += 1
        else:
            failed += 1
    if not condition:
        print(f"not ok - {name} {detail}")
    elif not quiet:
        print(f"ok - {name}")


def load(path):
    response = requests.get(BASE + path, timeout=10)
    check(f"GET {path} answers 200 with JSON", response.status_code == 200, response.text[:200])
    return response.json()


rest_contract = RestContract(load("/openapi.json"))
event_contract = EventContract(load("/asyncapi.json"))


class Http:
    """requests against BASE; every answer is checked against /openapi.json (route, method, status)."""

    def __init__(self):
        self.session = requests.Session()

    def request(self, method, path, **kwargs):
        response = self.session.request(method, BASE + path, timeout=10, **kwargs)
        body = response.json() if response.content else None
        template, problems = rest_contract.problems(method, path, response.status_code, body)
        contract_checks[f"REST {method} {template} {response.status_code}"] += 1
        check(f"REST {method} {path} {response.status_code} matches /openapi.json", not problems, str(problems), quiet=True)
        return response

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, **kwargs):
        return self.request("POST", path, **kwargs)


def checked_event(name, payload):
    problems = event_contract.event_problems(name, payload)
    contract_checks[f"event '{name}'"] += 1
    check(f"event '{name}' matches /asyncapi.json", not problems, f"{problems} {payload}", quiet=True)


def checked_ack(name, ack):
    problems = event_contract.ack_problems(name, ack)
    contract_checks[f"ack of '{name}'"] += 1
    check(f"ack of '{name}' matches /asyncapi.json", not problems, f"{problems} {ack}", quiet=True)
    return ack


http = Http()


def wait_until(predicate, timeout=5.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


class Client:
    """A raw socket.io client that follows one project: on every connect it subscribes again,
    with `since` = the highest seq it has handled, as the README says."""

    def __init__(self, project_id):
        self.sio = socketio.Client(reconnection=False)
        self.project_id = project_id
        self.events = []
        self.acks = []
        self.last_seq = None
        self.sent_since = []
        self.lock = threading.Lock()

        @self.sio.on("connect")
        def on_connect():
            request = {"project_id": self.project_id}
            if self.last_seq is not None:
                request["since"] = self.last_seq
            self.sent_since.append(request.get("since"))
            self.acks.append(checked_ack("subscribe", self.sio.call("subscribe", request)))

        @self.sio.on("*")
        def on_any(event, payload):
            checked_event(event, payload)
            with self.lock:
                seq = payload.get("seq") if isinstance(payload, dict) else None
                if isinstance(seq, int):
                    if self.last_seq is not None and seq <= self.last_seq:
                        return  # already handled
                    self.last_seq = seq
                self.events.append((event, payload))

    def named(self, event):
        with self.lock:
            return [payload for name, payload in self.events if name == event]

    def connect(self):
        self.sio.connect(BASE, transports=["websocket"])
        return self


r = http.post("/projects", json={"name": "Python A"})
check("POST /projects answers 201", r.status_code == 201, r.text)
project_a = r.json()
project_b = http.post("/projects", json={"name": "Python B"}).json()
r = http.post(f"/projects/{project_a['id']}/sessions")
check("POST /projects/:id/sessions answers 201 with session_id", r.status_code == 201 and "session_id" in r.json(), r.text)
session = r.json()

one, two, other = Client(project_a["id"]).connect(), Client(project_a["id"]).connect(), Client(project_b["id"]).connect()
check("subscribe acks ok with the room", wait_until(lambda: all(c.acks for c in (one, two, other)))
      and {k: one.acks[0].get(k) for k in ("ok", "project_id", "room", "subscribed")}
      == {"ok": True, "project_id": project_a["id"], "room": f"project:{project_a['id']}", "subscribed": True}
      and isinstance(one.acks[0].get("seq"), int),
      str(one.acks))

r = http.post(f"/sessions/{session['session_id']}/messages", json={"prompt": "Add a new feature"})
check("POST /sessions/:id/messages answers 201", r.status_code == 201, r.text)
message = r.json()
check("both subscribers get 'messages created'",
      wait_until(lambda: one.named("messages created") and two.named("messages created")))
first = one.named("messages created")[0]
check("the two payloads are identical and equal the stored message plus its seq",
      one.named("messages created")[:1] == two.named("messages created")[:1] == [{**message, "seq": first.get("seq")}]
      and isinstance(first.get("seq"), int), str(first))
time.sleep(0.2)
check("the subscriber of another project gets nothing of this one",
      [e for e, p in other.events if e != "heartbeat" and p.get("project_id") != project_b["id"]] == [],
      str(other.events))

check("heartbeats arrive with the connection count",
      wait_until(lambda: any(b["connections"] == 3 for b in one.named("heartbeat")), timeout=4),
      str(one.named("heartbeat")[-1:]))
beat = one.named("heartbeat")[-1]
check("a heartbeat has type, connections and an ISO timestamp",
      beat["type"] == "heartbeat" and isinstance(beat["connections"], int) and beat["timestamp"].endswith("Z"))

bad = checked_ack("subscribe", one.sio.call("subscribe", {"project_id": "not a number"}))
check("a bad payload gets an error ack", bad["ok"] is False and bad["error"]["code"] == 400, str(bad))
missing = checked_ack("subscribe", one.sio.call("subscribe", {"project_id": 987654321}))
check("an unknown project gets a 404 error ack", missing["ok"] is False and missing["error"]["code"] == 404, str(missing))

# Resume: `two` goes away, three messages are posted, `two` comes back with `since`.
two.sio.disconnect()
missed = [http.post(f"/sessions/{session['session_id']}/messages", json={"prompt": f"missed {i}"}).json() for i in range(3)]
two.connect()
# (Besides the three messages, their answers' events were logged meanwhile: everything after
# `since` up to the ack's seq is replayed.)
check("a resumed subscribe acks recovered, replaying everything after since",
      wait_until(lambda: len(two.acks) == 2) and two.acks[1].get("recovered") is True
      and two.acks[1].get("replayed") == two.acks[1]["seq"] - two.sent_since[1] >= 3,
      str(two.acks[-1:]) + " since " + str(two.sent_since[-1:]))
check("the missed messages arrive in order, once",
      wait_until(lambda: len(two.named("messages created")) == 4)
      and [m["prompt"] for m in two.named("messages created")[1:]] == ["missed 0", "missed 1", "missed 2"]
      and [m["id"] for m in two.named("messages created")[1:]] == [m["id"] for m in missed],
      str([m.get("prompt") for m in two.named("messages created")]))

# A test run: its events (test_started, test_result per test, test_completed) reach the room.
TAP = "console.log('TAP version 13\\n1..2\\nok 1 - adds\\nok 2 - subtracts')"
r = http.request("PATCH", f"/projects/{project_a['id']}", json={"test_command": ["node", "-e", TAP]})
check("PATCH /projects/:id sets the test command", r.status_code == 200 and r.json()["test_command"][0] == "node", r.text)
r = http.post(f"/projects/{project_a['id']}/test-runs")
check("POST /projects/:id/test-runs answers 201, queued", r.status_code == 201 and r.json()["status"] == "queued", r.text)
run = r.json()
check("test_started, two test_result and test_completed (passed) arrive",
      wait_until(lambda: [p["status"] for p in one.named("test_completed") if p.get("run_id") == run.get("id")] == ["passed"],
                 timeout=30)
      and len([p for p in one.named("test_result") if p.get("run_id") == run.get("id")]) == 2
      and len([p for p in one.named("test_started") if p.get("run_id") == run.get("id")]) == 1,
      str([e for e, p in one.events if e.startswith("test")]))
r = http.get(f"/test-runs/{run.get('id')}")
check("GET /test-runs/:id answers the passed run", r.status_code == 200 and r.json()["passed"] == 2, r.text[:300])

report = http.get("/connections").json()
check("GET /connections counts 3 and the rooms",
      report["active_connections"] == 3
      and report["rooms"] == {str(project_a["id"]): 2, str(project_b["id"]): 1}, str(report))

left = checked_ack("unsubscribe", other.sio.call("unsubscribe", {"project_id": project_b["id"]}))
check("unsubscribe acks ok", left.get("ok") is True and left.get("subscribed") is False, str(left))

for client in (one, two, other):
    client.sio.disconnect()
def all_gone():
    report = http.get("/connections").json()
    return report["active_connections"] == 0 and report["rooms"] == {}


check("after every client left, the count is 0 and no room is left", wait_until(all_gone), str(http.get("/connections").json()))

r = http.get(f"/sessions/{session['session_id']}/messages")
check("GET /sessions/:id/messages lists the 4 messages", r.status_code == 200 and r.json()["total"] == 4, r.text[:200])
r = http.get(f"/projects/{project_a['id']}/presence")
check("GET /projects/:id/presence answers 200", r.status_code == 200, r.text[:200])
r = http.post("/projects", json={"name": ""})
check("a bad body answers 400 (an error answer, checked against the document too)", r.status_code == 400, r.text)
r = http.get("/projects/2147483000")
check("an unknown project answers 404", r.status_code == 404, r.text)

# The checks can fail: a payload or an answer that differs from the documents is refused.
beat = dict(one.named("heartbeat")[-1])
check("a heartbeat whose count is a string does not match /asyncapi.json",
      event_contract.event_problems("heartbeat", {**beat, "connections": "3"}) != [])
check("an event the documents do not name does not match",
      event_contract.event_problems("messages exploded", {}) != [])
check("a project without its name does not match /openapi.json",
      rest_contract.problems("GET", f"/projects/{project_a['id']}", 200,
                             {k: v for k, v in project_a.items() if k != "name"})[1] != [])

for what, count in sorted(contract_checks.items()):
    print(f"# contract: {count} x {what}")
print(f"# contract: {sum(contract_checks.values())} answers, events and acks checked against the served specs")
print(f"interop: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
