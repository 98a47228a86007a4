"""A real browser: Debian's headless chromium, driven by chromedriver through selenium.

Usage: chromium.py START_URL PROFILE_DIR CERT_ORIGIN TEXT...
Opens START_URL with JavaScript on, as a person's browser would, and waits (30 s at most)
until the page shows one of the TEXTs. Prints the final URL on the first line, then the
page's title, then the final DOM. Client certificates and trusted CAs come from the NSS
database under $HOME/.pki/nssdb. When CERT_ORIGIN (https://HOST:PORT, or `-` for none)
asks for a client certificate, the browser sends one from that database without asking:
the profile (PROFILE_DIR, made fresh) holds the auto-select setting that the
AutoSelectCertificateForUrls policy sets, so nothing is written outside it.
"""
import json
import os
import sys
import time

from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service

start, profile, cert_origin, *texts = sys.argv[1:]
os.makedirs(os.path.join(profile, "Default"), exist_ok=True)
if cert_origin != "-":
    auto_select = {f"{cert_origin},*": {"setting": {"filters": [{}]}}}
    preferences = {"profile": {"content_settings": {"exceptions": {"auto_select_certificate": auto_select}}}}
    with open(os.path.join(profile, "Default", "Preferences"), "w") as file:
        json.dump(preferences, file)
options = webdriver.ChromeOptions()
options.binary_location = "/usr/bin/chromium"
for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--no-first-run", f"--user-data-dir={profile}"):
    options.add_argument(arg)
driver = webdriver.Chrome(service=Service(executable_path="/usr/bin/chromedriver"), options=options)
try:
    driver.set_page_load_timeout(30)
    driver.get(start)
    deadline = time.monotonic() + 30
    dom, url, title = "", "", ""
    while time.monotonic() < deadline:
        try:
            url = driver.current_url
            title = driver.title
            dom = driver.execute_script("return document.documentElement.outerHTML")
            shown = driver.execute_script("return document.body ? document.body.innerText : ''")
        except WebDriverException:  # between two pages
            time.sleep(0.1)
            continue
        if any(text in shown for text in texts):
            break
        time.sleep(0.1)
    print(url)
    print(title)
    print(dom)
finally:
    driver.quit()
