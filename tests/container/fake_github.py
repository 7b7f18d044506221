#!/usr/bin/env python3
"""A fake of the few GitHub REST endpoints memgate uses, for tests/container.sh.

    fake_github.py --port-file FILE --log FILE --token TOKEN [--pr-head SHA] [--seconds N]

Binds 127.0.0.1 on a free port (written to --port-file once listening) and serves:

    GET    /user                                   403, as for the GITHUB_TOKEN of Actions
    GET    /repos/{o}/{r}/pulls/{n}                the pull request (head sha --pr-head)
    GET    /repos/{o}/{r}/issues/{n}/comments      the comments, 2 per page, with Link: next
    POST   /repos/{o}/{r}/issues/{n}/comments      create
    PATCH  /repos/{o}/{r}/issues/comments/{id}     update
    DELETE /repos/{o}/{r}/issues/comments/{id}     delete

Every request is appended to --log as one JSON line: method, path, query, whether the
Authorization header carried --token (the token itself is never written), and the JSON body.
Requests without the token get 401. The pull request starts with two comments by someone else (one
of them carrying memgate's marker, which memgate must leave alone), so listing takes two pages.
Stops by itself after --seconds (default 900).
"""

import argparse
import json
import os
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

BOT = "github-actions[bot]"
PAGE = 2


class State:
    def __init__(self, token, pr_head, log_path):
        self.token = token
        self.pr_head = pr_head
        self.log_path = log_path
        self.lock = threading.Lock()
        self.next_id = 1000
        # issue number -> list of comments
        self.comments = {}

    def seed(self, number, base_url):
        if number not in self.comments:
            self.comments[number] = [
                self.make(number, "Looks good to me.", "octocat", base_url),
                self.make(
                    number,
                    "<!-- memgate:report -->\nall passed (forged)",
                    "mallory",
                    base_url,
                ),
            ]
        return self.comments[number]

    def make(self, number, body, login, base_url):
        self.next_id += 1
        return {
            "id": self.next_id,
            "body": body,
            "user": {"login": login, "type": "Bot" if login.endswith("[bot]") else "User"},
            "html_url": f"https://github.example/acme/ml/pull/{number}#issuecomment-{self.next_id}",
            "url": f"{base_url}/repos/acme/ml/issues/comments/{self.next_id}",
        }


class Handler(BaseHTTPRequestHandler):
    server_version = "fake-github/1"
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quiet
        pass

    def reply(self, status, value, headers=None):
        body = json.dumps(value).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for key, val in (headers or {}).items():
            self.send_header(key, val)
        self.end_headers()
        self.wfile.write(body)

    def handle_any(self, method):
        state = self.server.state
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = {"unparsed": raw.decode("utf-8", "replace")}
        auth = self.headers.get("Authorization", "")
        token_ok = auth in (f"Bearer {state.token}", f"token {state.token}")
        with state.lock:
            with open(state.log_path, "a", encoding="utf-8") as log:
                entry = {
                    "method": method,
                    "path": url.path,
                    "query": url.query,
                    "token_ok": token_ok,
                    "body": body,
                }
                log.write(json.dumps(entry) + "\n")
            if not token_ok:
                return self.reply(401, {"message": "Bad credentials"})
            return self.route(method, url, body)

    def route(self, method, url, body):
        state = self.server.state
        host = self.headers.get("Host", "127.0.0.1")
        base_url = f"http://{host}"
        path = url.path
        if path == "/user" and method == "GET":
            return self.reply(403, {"message": "Resource not accessible by integration"})
        m = re.fullmatch(r"/repos/([^/]+)/([^/]+)/pulls/(\d+)", path)
        if m and method == "GET":
            number = int(m.group(3))
            return self.reply(
                200,
                {
                    "number": number,
                    "state": "open",
                    "head": {"sha": state.pr_head},
                    "base": {"sha": "0" * 40},
                },
            )
        m = re.fullmatch(r"/repos/([^/]+)/([^/]+)/issues/(\d+)/comments", path)
        if m:
            number = int(m.group(3))
            comments = state.seed(number, base_url)
            if method == "GET":
                query = parse_qs(url.query)
                page = int(query.get("page", ["1"])[0])
                items = comments[(page - 1) * PAGE : page * PAGE]
                headers = {}
                if page * PAGE < len(comments):
                    nxt = f"{base_url}{path}?per_page={PAGE}&page={page + 1}"
                    headers["Link"] = f'<{nxt}>; rel="next"'
                return self.reply(200, items, headers)
            if method == "POST":
                comment = state.make(number, (body or {}).get("body", ""), BOT, base_url)
                comments.append(comment)
                return self.reply(201, comment)
        m = re.fullmatch(r"/repos/([^/]+)/([^/]+)/issues/comments/(\d+)", path)
        if m:
            cid = int(m.group(3))
            for comments in state.comments.values():
                for i, comment in enumerate(comments):
                    if comment["id"] == cid:
                        if method == "PATCH":
                            comment["body"] = (body or {}).get("body", "")
                            return self.reply(200, comment)
                        if method == "DELETE":
                            del comments[i]
                            self.send_response(204)
                            self.send_header("Content-Length", "0")
                            self.end_headers()
                            return None
            return self.reply(404, {"message": "Not Found"})
        return self.reply(404, {"message": "Not Found"})

    def do_GET(self):
        self.handle_any("GET")

    def do_POST(self):
        self.handle_any("POST")

    def do_PATCH(self):
        self.handle_any("PATCH")

    def do_DELETE(self):
        self.handle_any("DELETE")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--pr-head", default="f" * 40)
    parser.add_argument("--seconds", type=float, default=900)
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.state = State(args.token, args.pr_head, args.log)
    timer = threading.Timer(args.seconds, server.shutdown)
    timer.daemon = True
    timer.start()
    with open(args.port_file + ".tmp", "w", encoding="utf-8") as f:
        f.write(str(server.server_address[1]))
    os.replace(args.port_file + ".tmp", args.port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
