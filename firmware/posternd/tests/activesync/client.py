"""Drives a real third-party ActiveSync client (pyactivesync, see requirements.txt)
through a first session: Provision twice (the second with the policy key in the query,
as the library sends it), FolderSync, Sync (bootstrap, then items), a long Ping, and Provision twice again (the policy-refresh case:
the old key in the header, the new temporary one in the query).

usage: client.py HOST:PORT CA_FILE USER DEVICE_ID DEVICE_TYPE

Prints one line per step. Exits 0 when every step succeeded, 3 when the gateway (or
the server) refused a request (the line says the status and X-Postern-Reason).
"""
import sys
import time

import requests
from pyactivesync import Client, FolderType

server, ca_file, user, device_id, device_type = sys.argv[1:6]

with Client(server=server, username=user, password="secret", device_id=device_id,
            device_type=device_type, verify_ssl=ca_file, timeout=60) as client:
    try:
        key = client.provision()
        print(f"provisioned policy-key={key}", flush=True)
        folders = client.list_folders()
        print("folders " + ",".join(f"{f.id}:{f.name}" for f in folders), flush=True)
        inbox = next(f for f in folders if f.type == FolderType.INBOX)
        first = client.sync_folder(inbox.id)
        second = client.sync_folder(inbox.id, sync_key=first.sync_key)
        subjects = [item.fields.get("Email.Subject") for item in second.added]
        print(f"synced sync-key={second.sync_key} subjects={subjects}", flush=True)
        started = time.monotonic()
        ping = client.ping([inbox.id], heartbeat=480)
        held = time.monotonic() - started
        print(f"pinged status={ping.status} changed={ping.changed_folder_ids} held={held:.1f}s", flush=True)
        key = client.provision()
        print(f"provisioned again policy-key={key}", flush=True)
    except requests.HTTPError as error:
        response = error.response
        reason = response.headers.get("X-Postern-Reason", "-")
        print(f"refused status={response.status_code} reason={reason} at={response.request.url}", flush=True)
        sys.exit(3)
