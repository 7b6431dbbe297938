#!/usr/bin/env python3
"""Independent vectors for C2SP tlog-cosignature (Ed25519, cosignature/v1), made with Python's
`cryptography` (not approdo's Rust crates): key ID = SHA-256(name || "\\n" || 0x04 || pubkey)[:4],
signature = u64 BE timestamp || Ed25519 over "cosignature/v1\\ntime <t>\\n" || checkpoint body.
Writes tests/vectors/cosignature.json; src/witness/cosign.rs checks approdo signs and verifies
the same bytes."""
import base64, hashlib, json, os, struct
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives import serialization

def raw_pub(k):
    return k.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)

cases = []
for label, name, t, body in [
    ("spec example checkpoint", "witness.example.com/w1", 1679315147,
     "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"),
    ("an approdo checkpoint with a time extension", "w2.example.net/approdo", 1796342400,
     "approdo.log/0123abcd\n7\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\ntime 1796342400\n"),
]:
    seed = hashlib.sha256(label.encode()).digest()
    k = Ed25519PrivateKey.from_private_bytes(seed)
    pub = raw_pub(k)
    key_id = hashlib.sha256(name.encode() + b"\n" + b"\x04" + pub).digest()[:4]
    msg = f"cosignature/v1\ntime {t}\n".encode() + body.encode()
    sig = struct.pack(">Q", t) + k.sign(msg)
    vkey_b64 = base64.b64encode(bytes([4]) + pub).decode()
    cases.append({
        "label": label,
        "seed": seed.hex(),
        "name": name,
        "vkey": f"{name}+{key_id.hex()}+{vkey_b64}",
        "time": t,
        "checkpoint": body,
        "line": f"\u2014 {name} {base64.b64encode(key_id + sig).decode()}\n",
    })

out = os.path.join(os.path.dirname(__file__), "cosignature.json")
with open(out, "w") as f:
    json.dump({"comment": __doc__.strip(), "cases": cases}, f, indent=2, ensure_ascii=False)
    f.write("\n")
