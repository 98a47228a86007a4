"""A scripted browser: follows redirects and submits the SAML forms pages post on load.

Usage: browse.py START_URL CA_FILE [DEVICE_CERT DEVICE_KEY]
Prints the final status and page, after at most five form submissions.
"""
import html.parser
import sys

import requests


class Form(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.action, self.fields = None, {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and self.action is None:
            self.action = attrs.get("action")
        if tag == "input" and attrs.get("name"):
            self.fields[attrs["name"]] = attrs.get("value", "")


start, ca = sys.argv[1:3]
session = requests.Session()
# The CA given here, not one named by the environment (REQUESTS_CA_BUNDLE would win).
session.trust_env = False
session.verify = ca
if len(sys.argv) > 4:
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
