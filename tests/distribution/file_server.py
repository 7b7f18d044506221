"""A release's download server for tests/distribution.sh: serves a folder on 127.0.0.1 and logs
each request line ("GET /path") to a file, so the test can count what host/install.sh fetched."""

import argparse
import functools
import http.server


class Handler(http.server.SimpleHTTPRequestHandler):
    log_path = ""

    def log_message(self, format, *args):  # noqa: A002 (the base class's name)
        with open(self.log_path, "a", encoding="utf-8") as log:
            log.write(f"{self.command} {self.path} {args[1] if len(args) > 1 else ''}\n")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", required=True)
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--log", required=True)
    args = parser.parse_args()
    Handler.log_path = args.log
    open(args.log, "w").close()
    handler = functools.partial(Handler, directory=args.root)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    with open(args.port_file, "w", encoding="utf-8") as port:
        port.write(str(server.server_address[1]))
    server.serve_forever()


if __name__ == "__main__":
    main()
