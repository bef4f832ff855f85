"""RSA and EC key pairs from the openssl CLI, and compact JWS signing with
HS256, RS256 and ES256 for forged test tokens. Python stdlib only."""

import hashlib
import hmac
import json
import os
import subprocess

from gateway_harness import b64url


def _openssl(*args, data=None):
    return subprocess.run(["openssl", *args], input=data, check=True, capture_output=True).stdout


class KeyPair:
    """A private key file and its SubjectPublicKeyInfo PEM, both on disk."""

    def __init__(self, directory, name, genpkey_args):
        self.private_path = os.path.join(directory, f"{name}.key.pem")
        self.public_path = os.path.join(directory, f"{name}.pub.pem")
        _openssl("genpkey", *genpkey_args, "-out", self.private_path)
        _openssl("pkey", "-in", self.private_path, "-pubout", "-out", self.public_path)
        with open(self.public_path, "rb") as f:
            self.public_pem = f.read()

    def sign_sha256(self, data):
        """Sign with openssl dgst: PKCS#1 v1.5 for RSA, DER ECDSA-Sig-Value for EC."""
        return _openssl("dgst", "-sha256", "-sign", self.private_path, data=data)


def rsa_key(directory, name, bits=2048):
    return KeyPair(directory, name, ["-algorithm", "RSA", "-pkeyopt", f"rsa_keygen_bits:{bits}"])


def ec_key(directory, name, curve="P-256"):
    return KeyPair(directory, name, ["-algorithm", "EC", "-pkeyopt", f"ec_paramgen_curve:{curve}"])


def rsa_public_jwk(key):
    """Return the public key as a JWK dict (RFC 7518 6.3.1)."""
    text = _openssl("rsa", "-pubin", "-in", key.public_path, "-noout", "-modulus").decode().strip()
    modulus = bytes.fromhex(text.split("=", 1)[1])
    return {"kty": "RSA", "n": b64url(modulus), "e": b64url((65537).to_bytes(3, "big"))}


def _der_read(data, pos, expected_tag):
    """Read one DER TLV at pos; return (value bytes, position after it)."""
    if data[pos] != expected_tag:
        raise ValueError(f"DER tag 0x{data[pos]:02x} at {pos}, expected 0x{expected_tag:02x}")
    length = data[pos + 1]
    pos += 2
    if length & 0x80:
        count = length & 0x7F
        length = int.from_bytes(data[pos:pos + count], "big")
        pos += count
    return data[pos:pos + length], pos + length


def ecdsa_der_to_jws(der, size=32):
    """Convert DER ECDSA-Sig-Value {r, s} to the r || s form of RFC 7518 3.4."""
    sequence, end = _der_read(der, 0, 0x30)
    if end != len(der):
        raise ValueError("trailing bytes after the ECDSA signature")
    r, pos = _der_read(sequence, 0, 0x02)
    s, pos = _der_read(sequence, pos, 0x02)
    if pos != len(sequence):
        raise ValueError("trailing bytes inside the ECDSA signature")
    parts = []
    for value in (r, s):
        value = value.lstrip(b"\x00")
        if len(value) > size:
            raise ValueError(f"ECDSA integer of {len(value)} bytes does not fit {size}")
        parts.append(value.rjust(size, b"\x00"))
    return parts[0] + parts[1]


def encode_segment(value):
    """Encode a dict or list as compact JSON, or raw bytes as they are."""
    if isinstance(value, (bytes, bytearray)):
        return b64url(bytes(value))
    return b64url(json.dumps(value, separators=(",", ":")).encode())


def sign_input(signing_input, alg, key):
    """Return the raw signature of signing_input (bytes) for alg.

    key is bytes for HMAC algorithms and a KeyPair for RS256 and ES256."""
    if alg in ("HS256", "HS384", "HS512"):
        digest = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}[alg]
        return hmac.new(key, signing_input, digest).digest()
    if alg == "RS256":
        return key.sign_sha256(signing_input)
    if alg == "ES256":
        return ecdsa_der_to_jws(key.sign_sha256(signing_input))
    raise ValueError(f"cannot sign with {alg}")


def sign_segments(head, body, alg, key):
    """Sign already encoded header and payload text as they are, so tests
    can send non-canonical encodings with a valid signature."""
    signature = sign_input(f"{head}.{body}".encode(), alg, key)
    return f"{head}.{body}.{b64url(signature)}"


def sign(header, payload, alg, key):
    """Build a compact JWS; header and payload are dicts, lists or bytes."""
    return sign_segments(encode_segment(header), encode_segment(payload), alg, key)
