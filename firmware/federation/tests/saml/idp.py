"""A pysaml2 identity provider on a real HTTP socket, signing in every request as one user.

Usage: idp.py KEY CERT SP_METADATA_FILE
With SAML_TLS_CERT and SAML_TLS_KEY (PEM files) in the environment it speaks HTTPS.
Prints "port N" once listening. GET /sso?SAMLRequest=… (HTTP-Redirect) answers with an
auto-submitting form posting a Response, signed on the Response and the Assertion, to the
requester's ACS. The SP metadata (Postern's) is read at the first request.
"""
import os
import ssl
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.config import IdPConfig
from saml2.saml import NAMEID_FORMAT_EMAILADDRESS, NameID
from saml2.server import Server

KEY, CERT, SP_METADATA = sys.argv[1:4]
server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
BASE = f"http://127.0.0.1:{server.server_address[1]}"
if os.environ.get("SAML_TLS_CERT"):
    # HTTPS with this certificate and key (PEM files), for a profile that accepts https URLs only.
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(os.environ["SAML_TLS_CERT"], os.environ["SAML_TLS_KEY"])
    server.socket = tls.wrap_socket(server.socket, server_side=True)
    BASE = f"https://127.0.0.1:{server.server_address[1]}"
LOCK = threading.Lock()
IDP = []


def idp():
    if not IDP:
        config = IdPConfig()
        config.load({
            "entityid": f"{BASE}/metadata",
            "xmlsec_binary": "/usr/bin/xmlsec1",
            "key_file": KEY,
            "cert_file": CERT,
            "metadata": {"local": [SP_METADATA]},
            "service": {"idp": {
                "endpoints": {"single_sign_on_service": [(f"{BASE}/sso", BINDING_HTTP_REDIRECT)]},
                "policy": {"default": {"lifetime": {"minutes": 5}, "attribute_restrictions": None}},
                "name_id_format": [NAMEID_FORMAT_EMAILADDRESS],
            }},
        })
        IDP.append(Server(config=config))
    return IDP[0]


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        url = urllib.parse.urlparse(self.path)
        if url.path != "/sso":  # a real browser also asks for /favicon.ico
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        query = urllib.parse.parse_qs(url.query)
        with LOCK:
            server_ = idp()
            request = server_.parse_authn_request(query["SAMLRequest"][0], BINDING_HTTP_REDIRECT)
            args = server_.response_args(request.message, [BINDING_HTTP_POST])
            response = server_.create_authn_response(
                identity={"groups": ["staff"], "mail": ["alice@example.com"]},
                userid="alice",
                name_id=NameID(format=NAMEID_FORMAT_EMAILADDRESS, text="alice@example.com"),
                authn={"class_ref": "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"},
                sign_response=True,
                sign_assertion=True,
                sign_alg="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
                digest_alg="http://www.w3.org/2001/04/xmlenc#sha256",
                **{k: v for k, v in args.items() if k != "binding"},
            )
            http_args = server_.apply_binding(BINDING_HTTP_POST, str(response), args["destination"],
                                              query.get("RelayState", [""])[0], response=True)
        body = http_args["data"].encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


server.RequestHandlerClass = Handler
print(f"port {server.server_address[1]}", flush=True)
server.serve_forever()
