"""A pysaml2 service provider (the cloud service) on a real HTTP socket.

Usage: sp.py KEY CERT IDP_METADATA_FILE
With SAML_TLS_CERT and SAML_TLS_KEY (PEM files) in the environment it speaks HTTPS.
Prints "port N" once listening. GET /login starts a sign-in at the IdP named in the
metadata file (read at the first request) with the HTTP-Redirect binding, GET /login-post
with the HTTP-POST binding (an auto-submitting form); POST /acs checks the Response with pysaml2 and
answers "signed in as NAME" with the attributes and "session SID" (also set as the
cookie sp_session), or 403 with pysaml2's error. GET /protected answers "signed in as NAME"
for a live session cookie, 401 otherwise. POST /slo is the Single Logout service (SOAP
binding): a signed LogoutRequest (verified by pysaml2 against the IdP metadata) ends the
sessions of its NameID and SessionIndex and is answered with a LogoutResponse, Success.
"""
import os
import secrets
import ssl
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import defusedxml.minidom
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT, BINDING_SOAP, saml, samlp
from saml2.s_utils import sid, success_status_factory
from saml2.soap import make_soap_enveloped_saml_thingy
from saml2.time_util import instant
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
SOAP_ENVELOPE = "http://schemas.xmlsoap.org/soap/envelope/"
# Live sessions: cookie value -> (NameID, SessionIndex of the assertion).
SESSIONS = {}


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
                "endpoints": {"assertion_consumer_service": [(f"{BASE}/acs", BINDING_HTTP_POST)],
                              "single_logout_service": [(f"{BASE}/slo", BINDING_SOAP)]},
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

    def session(self):
        for part in self.headers.get("Cookie", "").split(";"):
            name, _, value = part.strip().partition("=")
            if name == "sp_session":
                with LOCK:
                    return SESSIONS.get(value)
        return None

    def do_GET(self):
        if self.path == "/protected":
            live = self.session()
            if live is None:
                return self.reply(401, "not signed in")
            return self.reply(200, f"signed in as {live[0]}")
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

    def single_logout(self, body):
        # pysaml2's own SOAP unwrapping re-serialises the request with ElementTree's
        # prefixes (ns0, ns1…), which breaks a signature made under other prefixes
        # (exclusive c14n keeps prefixes), so the envelope is opened here, prefixes kept.
        try:
            envelope = defusedxml.minidom.parseString(body)
            bodies = envelope.getElementsByTagNameNS(SOAP_ENVELOPE, "Body")
            parts = [n for n in bodies[0].childNodes if n.nodeType == n.ELEMENT_NODE] if bodies else []
            if len(parts) != 1:
                return self.reply(400, "refused: the SOAP body must hold one element")
            with LOCK:
                request = client().parse_logout_request(parts[0].toxml(), None)
        except Exception as error:  # pysaml2 raises many kinds; any refusal is a 400
            return self.reply(400, f"refused: {type(error).__name__}: {error}")
        message = request.message
        if message.signature is None:
            return self.reply(400, "refused: the LogoutRequest is not signed")
        name = message.name_id.text
        indexes = {index.text for index in message.session_index}
        with LOCK:
            ended = [k for k, (n, i) in SESSIONS.items() if n == name and (not indexes or i in indexes)]
            for key in ended:
                del SESSIONS[key]
        response = samlp.LogoutResponse(
            id=sid(), version="2.0", issue_instant=instant(), in_response_to=message.id,
            issuer=saml.Issuer(text=f"{BASE}/metadata"), status=success_status_factory())
        body = make_soap_enveloped_saml_thingy(response).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/xml; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        if self.path == "/slo":
            return self.single_logout(self.rfile.read(length).decode())
        form = urllib.parse.parse_qs(self.rfile.read(length).decode())
        try:
            with LOCK:
                response = client().parse_authn_request_response(form["SAMLResponse"][0], BINDING_HTTP_POST,
                                                                 dict(OUTSTANDING))
        except Exception as error:  # pysaml2 raises many kinds; any refusal is a 403
            return self.reply(403, f"refused: {type(error).__name__}: {error}")
        relay = form.get("RelayState", [""])[0]
        statements = response.assertion.authn_statement
        index = statements[0].session_index if statements else None
        cookie = secrets.token_hex(16)
        with LOCK:
            SESSIONS[cookie] = (response.name_id.text, index)
        self.reply(200, f"signed in as {response.name_id.text} relay {relay} attributes {sorted(response.ava.items())}"
                        f" session {cookie}", [("Set-Cookie", f"sp_session={cookie}; Secure; HttpOnly")])

    def log_message(self, *args):
        pass


server.RequestHandlerClass = Handler
print(f"port {server.server_address[1]}", flush=True)
server.serve_forever()
