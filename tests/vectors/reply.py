#!/usr/bin/env python3
"""Writes tests/vectors/reply.json: approdo.signed-reply/v1 vectors, made with an Ed25519
implementation other than the ones under test (Python `cryptography`), checked by the Rust
unit test in src/reply/signed.rs and by web/test/reply.test.mjs. Regenerate only on purpose:
    python3 tests/vectors/reply.py > tests/vectors/reply.json
"""
import base64, hashlib, json
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives import serialization

def key(seed_byte):
    k = Ed25519PrivateKey.from_private_bytes(bytes([seed_byte]) * 32)
    pub = k.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return k, base64.b64encode(pub).decode()

b64 = lambda b: base64.b64encode(b).decode()
cav, cav_pub = key(1)
tratta, tratta_pub = key(2)
stranger, stranger_pub = key(3)
directory = {
    "schema": "approdo.directory/v1", "network": "vectors", "version": 3,
    "partners": [
        {"id": "cav-milano", "name": "Centro antiviolenza (vectors)",
         "recipients": ["age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p"],
         "officer_keys": [cav_pub]},
        {"id": "tratta-milano", "name": "Progetto anti-tratta (vectors)",
         "recipients": ["age1lggyhqrw2nlhcxprm67z43rta597azn8gknawjehu9d9dl0jq3yqqvfafg"],
         "officer_keys": [tratta_pub]},
    ],
}
mailbox = "2d37e7fd9180ed98acc926c631dde31109f3c77b3af06ea6be9dc77dceb951b2"
report = "0123456789abcdef0123456789abcdef"
sealed = b"age-encryption.org/v1\n-> X25519 stand-in for a sealed reply\n---\x00\x01\xff"

def message(mailbox, report, partner, officer, sealed):
    return (f"approdo.signed-reply/v1\nmailbox {mailbox}\nreport {report}\npartner {partner}\n"
            f"officer {officer}\nsealed {hashlib.sha256(sealed).hexdigest()}\n")

def case(name, signer, pub, partner, valid, *, m=mailbox, r=report, s=sealed,
         signed_m=None, signed_r=None, signed_s=None, signed_partner=None, bad_sig=False):
    text = message(signed_m or m, signed_r or r, signed_partner or partner, pub, signed_s or s)
    sig = signer.sign(text.encode())
    if bad_sig:
        sig = bytes([sig[0] ^ 1]) + sig[1:]
    out = {"name": name, "mailbox": m, "report": r, "sealed": b64(s),
           "signature": {"partner": partner, "officer_key": pub, "signature": b64(sig)},
           "valid_partner_name": valid}
    if valid:
        out["message"] = text
    return out

cav_name = directory["partners"][0]["name"]
cases = [
    case("valid reply from cav-milano", cav, cav_pub, "cav-milano", cav_name),
    case("valid reply from tratta-milano", tratta, tratta_pub, "tratta-milano",
         directory["partners"][1]["name"]),
    case("tratta officer claims cav-milano", tratta, tratta_pub, "cav-milano", None),
    case("key listed nowhere", stranger, stranger_pub, "cav-milano", None),
    case("sealed bytes swapped", cav, cav_pub, "cav-milano", None, signed_s=b"other bytes"),
    case("signed for another report", cav, cav_pub, "cav-milano", None,
         signed_r="fedcba9876543210fedcba9876543210"),
    case("signed for another mailbox", cav, cav_pub, "cav-milano", None, signed_m="00" * 32),
    case("signature bit flipped", cav, cav_pub, "cav-milano", None, bad_sig=True),
    case("unknown partner", cav, cav_pub, "nobody", None),
]
print(json.dumps({
    "comment": "approdo.signed-reply/v1: Ed25519 over the text in `message` (see src/reply/signed.rs); "
               "valid_partner_name is the directory's name for a reply that verifies, null for one "
               "that must be hidden. Made by tests/vectors/reply.py; checked by Rust and JS.",
    "directory": directory, "cases": cases}, indent=2))
