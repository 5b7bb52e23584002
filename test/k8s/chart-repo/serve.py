"""A helm chart repository for the CI cluster: serves one directory (index.yaml and chart
archives) over https, behind HTTP basic auth, the way a private chart mirror does.

    python3 serve.py ADDRESS PORT DIR CERT KEY USERNAME_FILE PASSWORD_FILE

Only files directly in DIR are served; anything else is 404. Requests without the right
login get 401. The access log names the path and the status, never the credentials.
"""

import base64
import hmac
import http.server
import os
import ssl
import sys


def main() -> None:
    address, port, root, cert, key, user_file, password_file = sys.argv[1:8]
    with open(user_file, encoding="utf-8") as f:
        username = f.read().strip()
    with open(password_file, encoding="utf-8") as f:
        password = f.read().strip()
    expected = "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()
    files = {name for name in os.listdir(root) if os.path.isfile(os.path.join(root, name))}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
            self.respond(with_body=True)

        def do_HEAD(self) -> None:  # noqa: N802
            self.respond(with_body=False)

        def respond(self, with_body: bool) -> None:
            given = self.headers.get("Authorization", "")
            if not hmac.compare_digest(given.encode(), expected.encode()):
                self.send_response(401)
                self.send_header("WWW-Authenticate", 'Basic realm="slim-dask-ci charts"')
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            name = self.path.split("?", 1)[0].lstrip("/")
            if name not in files:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            with open(os.path.join(root, name), "rb") as f:
                body = f.read()
            self.send_response(200)
            kind = "text/yaml" if name.endswith(".yaml") else "application/gzip"
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if with_body:
                self.wfile.write(body)

        def log_message(self, fmt: str, *args: object) -> None:
            # Only method, path and status: the Authorization header is never logged.
            sys.stderr.write(f"{self.command} {self.path} {args[1] if len(args) > 1 else ''}\n")

    server = http.server.ThreadingHTTPServer((address, int(port)), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
