"""A minimal client of the Jauge service, to copy into an integration (Python 3, `requests`).

It starts (or continues) an agent's session, shows each question, sends each answer, and prints
the profile at the end. Every answer is durably recorded by the service before it replies; a
reply lost on the way is harmless: the same step sent again is refused with 409 and never
recorded twice, and the question awaiting an answer can always be read again.

    JAUGE_URL=http://127.0.0.1:8080 JAUGE_TOKEN=jauge_… python3 jauge_client.py camille@example.gouv.fr
"""

import os
import sys
import time

import requests

URL = os.environ.get("JAUGE_URL", "http://127.0.0.1:8080")
TOKEN = os.environ["JAUGE_TOKEN"]
API = requests.Session()
API.headers["Authorization"] = f"Bearer {TOKEN}"


class Problem(Exception):
    """An error reply (application/problem+json): `kind` is the stable type, e.g. step-conflict."""

    def __init__(self, reply):
        body = reply.json() if reply.headers.get("content-type", "").startswith("application/problem+json") else {}
        self.status = reply.status_code
        self.kind = body.get("type", "").rsplit("/", 1)[-1]
        self.body = body
        super().__init__(f"{self.status} {self.kind}: {body.get('detail', reply.text)}")


def call(method, path, body=None, retries=5):
    """One request; retried on a lost connection, a 429 or a 503 (the service says when)."""
    for attempt in range(retries):
        try:
            r = API.request(method, URL + path, json=body, timeout=30)
        except requests.ConnectionError:
            time.sleep(0.5 * (attempt + 1))
            continue
        if r.status_code in (429, 503) and attempt + 1 < retries:
            time.sleep(float(r.headers.get("Retry-After", "1")))
            continue
        if r.status_code >= 400:
            raise Problem(r)
        return r.json()
    raise RuntimeError(f"{method} {path}: no reply after {retries} attempts")


def ask(question):
    """Shows a question and reads the agent's answer (here on the terminal)."""
    print(f"\nQuestion {question['step']} ({question['competence']}): {question['text']}")
    kind = question["type"]
    if kind in ("single", "multiple"):
        for k, o in enumerate(question["options"], 1):
            print(f"  {k}. {o['text']}")
        line = input("Number(s): ")
        picked = [question["options"][int(n) - 1]["id"] for n in line.replace(",", " ").split()]
        return {"kind": "options", "value": picked}
    if kind == "number":
        return {"kind": "number", "value": input(f"Number {question.get('unit', '')}: ")}
    blanks = question["blanks"] or [{"id": "answer"}]
    return {"kind": "texts", "value": [input(f"{b['id']}: ") for b in blanks]}


def take_session(agent, competences=None):
    body = {"agent": agent, "resume": True}
    if competences:
        body["competences"] = competences
    started = call("POST", "/api/v1/sessions", body)
    session = started["session"]
    print(f"Session {session}; the agent's own link: {URL}{started['agent_url']}")
    question = started["question"]
    while question is not None:
        answer = ask(question)
        try:
            reply = call("POST", f"/api/v1/sessions/{session}/answers",
                         {"step": question["step"], "answer": answer})
            question = reply["question"]
        except Problem as p:
            if p.kind == "invalid-answer":  # malformed for this question: nothing recorded, ask again
                print(p.body["detail"])
            elif p.kind == "step-conflict":  # already answered (a retry, another tab): read where it stands
                question = call("GET", f"/api/v1/sessions/{session}/question")["question"]
            else:
                raise
    profile = call("POST", f"/api/v1/sessions/{session}/finish")
    for c in profile["competences"]:
        if c["level"] is not None:
            print(f"{c['code']}: level {c['level']}, {c['pix']} pix ({c['pix_low']}–{c['pix_high']})")
    print(f"Total: {profile['total_pix']} pix")
    return profile


if __name__ == "__main__":
    take_session(sys.argv[1], sys.argv[2].split(",") if len(sys.argv) > 2 else None)
