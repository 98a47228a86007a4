"""An Exchange ActiveSync stand-in for the end-to-end tests: just enough of MS-ASCMD
(Provision twice, FolderSync, Sync, Ping) in real WBXML (MS-ASWBXML) for a real client
to go through its whole first session.

It checks what it is sent as Exchange would: the second Provision must carry the
temporary policy key (in the query and the body), every later command the final key in
X-MS-PolicyKey (else 449, "provision again"). Each request's method, target and
X-MS-PolicyKey are appended to the log file given as the first argument, before it is
answered.

Its WBXML tables are written here from MS-ASWBXML, not taken from the client library.
"""
import base64
import http.server
import sys
import threading
import time
import urllib.parse

# MS-ASWBXML code pages: (page number, {tag: token}).
PAGES = {
    "AirSync": (0, {"Sync": 0x05, "Add": 0x07, "SyncKey": 0x0B, "ServerId": 0x0D,
                    "Status": 0x0E, "Collection": 0x0F, "CollectionId": 0x12,
                    "WindowSize": 0x15, "Commands": 0x16, "Collections": 0x1C,
                    "ApplicationData": 0x1D}),
    "Email": (2, {"DateReceived": 0x0F, "Subject": 0x14, "Read": 0x15, "To": 0x16,
                  "From": 0x18}),
    "FolderHierarchy": (7, {"DisplayName": 0x07, "ServerId": 0x08, "ParentId": 0x09,
                            "Type": 0x0A, "Status": 0x0C, "Changes": 0x0E, "Add": 0x0F,
                            "SyncKey": 0x12, "FolderSync": 0x16, "Count": 0x17}),
    "Ping": (13, {"Ping": 0x05, "Status": 0x07, "HeartbeatInterval": 0x08,
                  "Folders": 0x09, "Folder": 0x0A, "Id": 0x0B, "Class": 0x0C}),
    "Provision": (14, {"Provision": 0x05, "Policies": 0x06, "Policy": 0x07,
                       "PolicyType": 0x08, "PolicyKey": 0x09, "Data": 0x0A,
                       "Status": 0x0B, "EASProvisionDoc": 0x0D,
                       "DevicePasswordEnabled": 0x0E}),
    "Settings": (18, {"Set": 0x08, "DeviceInformation": 0x16, "Model": 0x17,
                      "FriendlyName": 0x19, "OS": 0x1A, "UserAgent": 0x20}),
}
NAMES = {(num, token): f"{page}.{tag}" for page, (num, tags) in PAGES.items()
         for tag, token in tags.items()}
HEADER = bytes([0x03, 0x01, 0x6A, 0x00])  # WBXML 1.3, unknown public id, UTF-8, no string table

TEMP_KEY, FINAL_KEY = "1307199584", "3942917221"
PING_HOLD_SECONDS = 5


def encode(tree):
    """(\"Page.Tag\", text or [children]) -> WBXML bytes."""
    out, page = bytearray(HEADER), [0]

    def node(name, content):
        page_name, tag = name.split(".")
        num, tags = PAGES[page_name]
        if num != page[0]:
            out.extend([0x00, num])
            page[0] = num
        out.append(tags[tag] | 0x40)
        if isinstance(content, str):
            out.append(0x03)
            out.extend(content.encode())
            out.append(0x00)
        else:
            for child in content:
                node(*child)
        out.append(0x01)

    node(*tree)
    return bytes(out)


def decode(data):
    """WBXML bytes -> [(\"Page.Tag\", text or None, children)]; refuses what it cannot read."""
    if data[:4] != HEADER:
        raise ValueError("not an MS-ASWBXML document")
    pos, page = 4, 0

    def body():
        nonlocal pos, page
        nodes = []
        while pos < len(data):
            b = data[pos]
            if b == 0x01:
                pos += 1
                return nodes
            if b == 0x00:
                page, pos = data[pos + 1], pos + 2
            elif b == 0x03:
                end = data.index(0, pos + 1)
                nodes.append(("#text", data[pos + 1:end].decode(), []))
                pos = end + 1
            else:
                pos += 1
                name = NAMES.get((page, b & 0x3F), f"{page}:{b & 0x3F:#x}")
                nodes.append((name, None, body() if b & 0x40 else []))
        return nodes

    return body()


def find(nodes, name):
    for n, _, children in nodes:
        if n == name:
            return children
        found = find(children, name)
        if found is not None:
            return found
    return None


def text(nodes, name):
    children = find(nodes, name)
    return next((t for n, t, _ in children if n == "#text"), None) if children else None


def provision(query, headers, tree):
    acked = text(tree, "Provision.PolicyKey")
    if acked is None:
        # The initial request (MS-ASPROV): no key in the body; a client provisioning
        # again still sends its current key in the header.
        if find(tree, "Settings.DeviceInformation") is None:
            return encode(("Provision.Provision", [("Provision.Status", "165")]))
        policy = [("Provision.PolicyType", "MS-EAS-Provisioning-WBXML"),
                  ("Provision.Status", "1"), ("Provision.PolicyKey", TEMP_KEY),
                  ("Provision.Data", [("Provision.EASProvisionDoc",
                                       [("Provision.DevicePasswordEnabled", "0")])])]
    else:
        # The acknowledgement: the temporary key in the body and in the query (the
        # client's choice; the header may still carry its previous key).
        key = query.get("PolicyKey") or headers.get("X-MS-PolicyKey")
        if key != TEMP_KEY or acked != TEMP_KEY or text(find(tree, "Provision.Policy") or [], "Provision.Status") != "1":
            return encode(("Provision.Provision", [("Provision.Status", "3")]))
        policy = [("Provision.PolicyType", "MS-EAS-Provisioning-WBXML"),
                  ("Provision.Status", "1"), ("Provision.PolicyKey", FINAL_KEY)]
    return encode(("Provision.Provision", [
        ("Provision.Status", "1"),
        ("Provision.Policies", [("Provision.Policy", policy)])]))


def folder_sync(tree):
    def add(server_id, name, kind):
        return ("FolderHierarchy.Add", [("FolderHierarchy.ServerId", server_id),
                                        ("FolderHierarchy.ParentId", "0"),
                                        ("FolderHierarchy.DisplayName", name),
                                        ("FolderHierarchy.Type", kind)])
    return encode(("FolderHierarchy.FolderSync", [
        ("FolderHierarchy.Status", "1"),
        ("FolderHierarchy.SyncKey", "1"),
        ("FolderHierarchy.Changes", [("FolderHierarchy.Count", "2"),
                                     add("5", "Inbox", "2"), add("6", "Sent Items", "5")])]))


def sync(tree):
    key, collection = text(tree, "AirSync.SyncKey"), text(tree, "AirSync.CollectionId")
    head = [("AirSync.SyncKey", "1" if key == "0" else "2"),
            ("AirSync.CollectionId", collection), ("AirSync.Status", "1")]
    if key != "0" and collection == "5":
        head.append(("AirSync.Commands", [("AirSync.Add", [
            ("AirSync.ServerId", "5:1"),
            ("AirSync.ApplicationData", [
                ("Email.To", "alice@example.com"), ("Email.From", "carol@example.com"),
                ("Email.Subject", "through the gateway"),
                ("Email.DateReceived", "2026-12-05T09:00:00.000Z"), ("Email.Read", "0")])])]))
    return encode(("AirSync.Sync", [("AirSync.Collections", [("AirSync.Collection", head)])]))


def ping(tree):
    # A long poll: held as a real server holds it, then "changes in these folders".
    time.sleep(PING_HOLD_SECONDS)
    folders = [t for n, _, c in (find(tree, "Ping.Folders") or []) if n == "Ping.Folder"
               for t in [text(c, "Ping.Id")] if t]
    return encode(("Ping.Ping", [("Ping.Status", "2"),
                                 ("Ping.Folders", [("Ping.Folder", f) for f in folders])]))


COMMANDS = {"Provision": provision, "FolderSync": folder_sync, "Sync": sync, "Ping": ping}
log_lock = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def reply(self, status, body=b"", content_type="application/vnd.ms-sync.wbxml", extra=()):
        self.send_response(status)
        for name, value in extra:
            self.send_header(name, value)
        if body:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_OPTIONS(self):
        self.log_request_line()
        self.reply(200, extra=[("MS-ASProtocolVersions", "14.1,16.0,16.1"),
                               ("MS-ASProtocolCommands", ",".join(COMMANDS))])

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.log_request_line()
        raw_query = urllib.parse.urlsplit(self.path).query
        if "=" not in raw_query.rstrip("="):
            # The base64 form: decoded only to show the request was forwarded intact.
            decoded = base64.b64decode(urllib.parse.unquote(raw_query))
            return self.reply(200, f"base64 request, {len(decoded)} bytes".encode(), "text/plain")
        query = dict(urllib.parse.parse_qsl(raw_query, keep_blank_values=True))
        handler = COMMANDS.get(query.get("Cmd"))
        if handler is None:
            return self.reply(200, f"command {query.get('Cmd')} accepted".encode(), "text/plain")
        if handler is not provision and self.headers.get("X-MS-PolicyKey") != FINAL_KEY:
            return self.reply(449)
        if self.headers.get("MS-ASProtocolVersion") not in ("14.1", "16.0", "16.1"):
            return self.reply(400)
        tree = decode(body) if body else []
        self.reply(200, handler(query, self.headers, tree) if handler is provision else handler(tree))

    def log_request_line(self):
        with log_lock:
            log.write(f"{self.command} {self.path} header-key={self.headers.get('X-MS-PolicyKey', '-')}\n")
            log.flush()

    def log_message(self, *args):
        pass


log = open(sys.argv[1], "a")
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
