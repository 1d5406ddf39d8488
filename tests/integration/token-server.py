#!/usr/bin/env python3
"""A registry token server for images-pull.bats: grants whatever a scope asks for, to anyone.

Usage: token-server.py KEY.pem CERT.pem PORT LOG

Answers GET /token?service=S&scope=repository:NAME:ACTIONS with {"token": JWT}, an ES256 JWT
whose x5c header carries CERT (which the registry's auth.token.rootcertbundle trusts), and
appends each request's query to LOG, so a test can see what berth asked for.
"""
import base64
import http.server
import json
import os
import sys
import time
import urllib.parse

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

keyfile, certfile, port, logfile = sys.argv[1:5]
key = serialization.load_pem_private_key(open(keyfile, "rb").read(), None)
cert = x509.load_pem_x509_certificate(open(certfile, "rb").read())
cert_der = cert.public_bytes(serialization.Encoding.DER)


def b64(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def token(service, scopes):
    access = []
    for sc in scopes:
        typ, rest = sc.split(":", 1)
        name, actions = rest.rsplit(":", 1)
        access.append({"type": typ, "name": name, "actions": actions.split(",")})
    now = int(time.time())
    claims = {"iss": "berth-test-issuer", "sub": "", "aud": service, "exp": now + 600,
              "nbf": now - 60, "iat": now, "jti": os.urandom(8).hex(), "access": access}
    header = {"typ": "JWT", "alg": "ES256", "x5c": [base64.b64encode(cert_der).decode()]}
    signing = b64(json.dumps(header).encode()) + "." + b64(json.dumps(claims).encode())
    r, s = decode_dss_signature(key.sign(signing.encode(), ec.ECDSA(hashes.SHA256())))
    return signing + "." + b64(r.to_bytes(32, "big") + s.to_bytes(32, "big"))


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        u = urllib.parse.urlparse(self.path)
        q = urllib.parse.parse_qs(u.query)
        with open(logfile, "a") as f:
            f.write(u.query + "\n")
        body = json.dumps({"token": token(q.get("service", [""])[0], q.get("scope", []))})
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args):
        pass


http.server.HTTPServer(("127.0.0.1", int(port)), Handler).serve_forever()
