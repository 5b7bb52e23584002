"""Fetches the dashboard's /status page through the scheduler Service, then every script it loads.

argv: dashboard URL (http://<fullname>-scheduler.<ns>.svc.cluster.local:80). Prints one JSON line.
"""
import json
import re
import sys
import time
import urllib.parse
import urllib.request

base = sys.argv[1].rstrip("/")


def fetch(url):
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.status, response.read()


deadline = time.monotonic() + 60
while True:
    try:
        status, body = fetch(base + "/status")
        break
    except OSError:
        if time.monotonic() > deadline:
            raise
        time.sleep(1)
page = body.decode("utf8", "replace")
sources = sorted(set(re.findall(r'<script[^>]*\ssrc="([^"]+)"', page)))
scripts = {}
for src in sources:
    code, data = fetch(urllib.parse.urljoin(base + "/status", src))
    scripts[src] = {"status": code, "bytes": len(data)}
print(json.dumps({"status": status, "title": re.findall(r"<title>([^<]*)</title>", page), "scripts": scripts}))
