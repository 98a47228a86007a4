"""A scripted browser: follows redirects and submits the SAML forms pages post on load.

Usage: browse.py START_URL CA_FILE [DEVICE_CERT DEVICE_KEY]
Prints the final status and page, after at most five form submissions.

With BROWSE_APPTUNNEL=https://HOST:PORT and BROWSE_APP=APP_ID in the environment, every
request goes through that AppTunnel (CONNECT over mutual TLS with the device certificate,
naming the app in X-Postern-App; the tunnel's certificate is checked with CA_FILE too) and
the certificate is not shown to the sites themselves.
"""
import os
import ssl
import sys

import requests
import requests.adapters

from forms import Form


class AppTunnel(requests.adapters.HTTPAdapter):
    """CONNECT through Postern's AppTunnel as the device's app."""

    def __init__(self, ca, cert, key, app):
        self.context = ssl.create_default_context(cafile=ca)
        self.context.load_cert_chain(cert, key)
        self.app = app
        super().__init__()

    def proxy_headers(self, proxy):
        return {"X-Postern-App": self.app}

    def proxy_manager_for(self, proxy, **proxy_kwargs):
        proxy_kwargs["proxy_ssl_context"] = self.context
        return super().proxy_manager_for(proxy, **proxy_kwargs)


start, ca = sys.argv[1:3]
session = requests.Session()
# The CA given here, not one named by the environment (REQUESTS_CA_BUNDLE would win).
session.trust_env = False
session.verify = ca
tunnel = os.environ.get("BROWSE_APPTUNNEL")
if tunnel and len(sys.argv) > 4:
    session.mount("https://", AppTunnel(ca, sys.argv[3], sys.argv[4], os.environ["BROWSE_APP"]))
    session.proxies = {"https": tunnel}
elif len(sys.argv) > 4:
    session.cert = (sys.argv[3], sys.argv[4])
page = session.get(start, timeout=30)
for _ in range(5):
    form = Form()
    form.feed(page.text)
    if not form.action or not {"SAMLRequest", "SAMLResponse"} & form.fields.keys():
        break
    page = session.post(form.action, data=form.fields, timeout=30)
print(page.status_code)
print(page.text)
