"""Sign-ins Postern must refuse, sent as a browser (or an attacker) would.

Usage: refusals.py KIND POSTERN_URL CA_FILE ARG
  tampered START_URL: signs in from START_URL (the SP's page) up to the IdP's Response,
                      changes the user's name in it, and posts it to Postern's ACS;
  unknown-acs SP_ENTITY_ID: an AuthnRequest from the pairing's SP naming an ACS URL the
                      pairing does not have (HTTP-Redirect binding);
  garbage N:          N requests to Postern's SSO endpoint that are not SAML at all.
Prints the status of each answer Postern gave, one a line.
"""
import base64
import datetime
import sys
import uuid
import zlib

import requests

from forms import Form

kind, postern, ca, arg = sys.argv[1:5]
session = requests.Session()
session.trust_env = False
session.verify = ca


if kind == "tampered":
    page = session.get(arg, timeout=30)  # SP -> Postern -> IdP: the IdP's form
    form = Form()
    form.feed(page.text)
    xml = base64.b64decode(form.fields["SAMLResponse"]).decode()
    assert "alice@example.com" in xml, xml
    xml = xml.replace("alice@example.com", "mallory@example.com")
    form.fields["SAMLResponse"] = base64.b64encode(xml.encode()).decode()
    print(session.post(form.action, data=form.fields, timeout=30).status_code)
elif kind == "unknown-acs":
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    xml = (
        '<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
        'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" '
        f'ID="id-{uuid.uuid4().hex}" Version="2.0" IssueInstant="{now}" '
        'AssertionConsumerServiceURL="https://attacker.example/acs">'
        f"<saml:Issuer>{arg}</saml:Issuer></samlp:AuthnRequest>"
    )
    deflated = zlib.compressobj(wbits=-15)
    raw = deflated.compress(xml.encode()) + deflated.flush()
    answer = session.get(f"{postern}/saml/idp/sso", params={"SAMLRequest": base64.b64encode(raw)},
                         allow_redirects=False, timeout=30)
    print(answer.status_code)
elif kind == "garbage":
    for n in range(int(arg)):
        answer = session.get(f"{postern}/saml/idp/sso", params={"SAMLRequest": f"not saml {n}"},
                             allow_redirects=False, timeout=30)
        print(answer.status_code)
else:
    sys.exit(f"unknown kind {kind}")
