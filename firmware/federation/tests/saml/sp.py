"""A pysaml2 service provider (the cloud service) on a real HTTP socket.

Usage: sp.py KEY CERT IDP_METADATA_FILE
With SAML_TLS_CERT and SAML_TLS_KEY (PEM files) in the environment it speaks HTTPS.
Prints "port N" once listening. GET /login starts a sign-in at the IdP named in the
metadata file (read at the first request) with the HTTP-Redirect binding, GET /login-post
with the HTTP-POST binding (an auto-submitting form); POST /acs checks the Response with pysaml2 and
answers "signed in as NAME" with the attributes, or 403 with pysaml2's error.
"""
import os
import ssl
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.client import Saml2Client
from saml2.config import SPConfig

KEY, CERT, IDP_METADATA = sys.argv[1:4]
server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
BASE = f"http://127.0.0.1:{server.server_address[1]}"
if os.environ.get("SAML_TLS_CERT"):
    # HTTPS with this certificate and key (PEM files), for a profile that accepts https URLs only.
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(os.environ["SAML_TLS_CERT"], os.environ["SAML_TLS_KEY"])
    server.socket = tls.wrap_socket(server.socket, server_side=True)
    BASE = f"https://127.0.0.1:{server.server_address[1]}"
LOCK = threading.Lock()
OUTSTANDING = {}
CLIENT = []


def client():
    if not CLIENT:
        config = SPConfig()
        config.load({
            "entityid": f"{BASE}/metadata",
            "xmlsec_binary": "/usr/bin/xmlsec1",
            "key_file": KEY,
            "cert_file": CERT,
            "allow_unknown_attributes": True,
            "metadata": {"local": [IDP_METADATA]},
            "service": {"sp": {
                "endpoints": {"assertion_consumer_service": [(f"{BASE}/acs", BINDING_HTTP_POST)]},
                "allow_unsolicited": False,
                "authn_requests_signed": False,
                "want_assertions_signed": True,
                "want_response_signed": True,
            }},
        })
        CLIENT.append(Saml2Client(config=config))
    return CLIENT[0]


class Handler(BaseHTTPRequestHandler):
    def reply(self, status, text, headers=()):
        body = text.encode()
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        bindings = {"/login": BINDING_HTTP_REDIRECT, "/login-post": BINDING_HTTP_POST}
        if self.path not in bindings:
            return self.reply(404, "no such page")
        with LOCK:
            sp = client()
            idp = next(iter(sp.metadata.identity_providers()))
            request_id, info = sp.prepare_for_authenticate(entityid=idp, relay_state="/inbox",
                                                           binding=bindings[self.path])
            OUTSTANDING[request_id] = "/inbox"
        if bindings[self.path] == BINDING_HTTP_POST:
            body = info["data"].encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            return self.wfile.write(body)
        self.reply(302, "", [h for h in info["headers"] if h[0] == "Location"])

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        form = urllib.parse.parse_qs(self.rfile.read(length).decode())
        try:
            with LOCK:
                response = client().parse_authn_request_response(form["SAMLResponse"][0], BINDING_HTTP_POST,
                                                                 dict(OUTSTANDING))
        except Exception as error:  # pysaml2 raises many kinds; any refusal is a 403
            return self.reply(403, f"refused: {type(error).__name__}: {error}")
        relay = form.get("RelayState", [""])[0]
        self.reply(200, f"signed in as {response.name_id.text} relay {relay} attributes {sorted(response.ava.items())}")

    def log_message(self, *args):
        pass


server.RequestHandlerClass = Handler
print(f"port {server.server_address[1]}", flush=True)
server.serve_forever()
