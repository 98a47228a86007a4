"""A stand-in for Microsoft Entra ID's token endpoint and Graph, recording every call.

Usage: graph.py TENANT_ID CLIENT_ID CLIENT_SECRET_FILE
With SAML_TLS_CERT and SAML_TLS_KEY (PEM files) in the environment it speaks HTTPS.
Prints "port N" once listening.
POST /TENANT_ID/oauth2/v2.0/token (client credentials) issues a fresh bearer token when
the client id and secret match; POST /v1.0/users/USER/revokeSignInSessions answers
{"value": true} for a token it issued, 401 otherwise; GET /calls lists every call as JSON.
"""
import json
import os
import secrets
import ssl
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TENANT, CLIENT_ID = sys.argv[1:3]
with open(sys.argv[3]) as secret_file:
    SECRET = secret_file.read().strip()
server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
if os.environ.get("SAML_TLS_CERT"):
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(os.environ["SAML_TLS_CERT"], os.environ["SAML_TLS_KEY"])
    server.socket = tls.wrap_socket(server.socket, server_side=True)
LOCK = threading.Lock()
CALLS = []
TOKENS = set()


class Handler(BaseHTTPRequestHandler):
    def reply(self, status, value):
        body = json.dumps(value).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path != "/calls":
            return self.reply(404, {"error": "not found"})
        with LOCK:
            return self.reply(200, list(CALLS))

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length).decode()
        path = urllib.parse.urlparse(self.path).path
        if path == f"/{TENANT}/oauth2/v2.0/token":
            form = {k: v[0] for k, v in urllib.parse.parse_qs(body).items()}
            good = (form.get("grant_type") == "client_credentials" and form.get("client_id") == CLIENT_ID
                    and form.get("client_secret") == SECRET)
            token = secrets.token_hex(16) if good else None
            with LOCK:
                CALLS.append({"kind": "token", "client_id": form.get("client_id"), "scope": form.get("scope"),
                              "token": token})
                if token:
                    TOKENS.add(token)
            if not good:
                return self.reply(401, {"error": "invalid_client"})
            return self.reply(200, {"token_type": "Bearer", "expires_in": 3599, "access_token": token})
        parts = path.split("/")
        if len(parts) == 5 and parts[1:3] == ["v1.0", "users"] and parts[4] == "revokeSignInSessions":
            user = urllib.parse.unquote(parts[3])
            token = self.headers.get("Authorization", "").removeprefix("Bearer ")
            with LOCK:
                valid = token in TOKENS
                CALLS.append({"kind": "revoke", "user": user, "token": token, "valid": valid})
            if not valid:
                return self.reply(401, {"error": {"code": "InvalidAuthenticationToken"}})
            return self.reply(200, {"value": True})
        self.reply(404, {"error": "not found"})

    def log_message(self, *args):
        pass


server.RequestHandlerClass = Handler
print(f"port {server.server_address[1]}", flush=True)
server.serve_forever()
