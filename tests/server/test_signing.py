"""Manifest signing on the server: the key ring in the data directory, the signed manifest
route and the key routes (the app in-process on a temporary directory, real SQLite)."""

from __future__ import annotations

import base64
import hashlib
import json
import stat
from pathlib import Path

import pytest
from account_helpers import add_account, bearer, login, personal_token
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from fastapi.testclient import TestClient
from org_helpers import committee_with_two_branches
from server_helpers import AUTH, screen_auth

from content_cache.signature import SIGNATURE_HEADER, parse_header, signed_message
from content_server.signing import (
    SIGNING_DIR,
    LastSigningKey,
    SigningKeyError,
    SigningRing,
    UnknownSigningKey,
)

SCREEN = "hall-1"


def manifest(client: TestClient, etag: str | None = None):
    headers = {**screen_auth(client, SCREEN), **({"If-None-Match": etag} if etag else {})}
    return client.get(f"/api/screens/{SCREEN}/manifest", headers=headers)


def verifies(body: bytes, header: str, public_key: str, kid: str) -> bool:
    signatures = dict(parse_header(header))
    key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key))
    key.verify(signatures[kid], signed_message(body))  # raises if not
    return True


# -- the ring -------------------------------------------------------------------------------


def test_the_first_start_makes_one_private_key_readable_by_the_owner_only(tmp_path) -> None:
    ring = SigningRing.load_or_create(tmp_path)
    [key] = ring.current().keys
    [path] = (tmp_path / SIGNING_DIR).glob("*.key")
    assert path.name == f"{key.id}.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / SIGNING_DIR).stat().st_mode) == 0o700
    raw = base64.b64decode(key.public_key)
    assert len(raw) == 32 and key.id == hashlib.sha256(raw).hexdigest()[:16]
    assert b"PRIVATE KEY" in path.read_bytes()
    again = SigningRing.load_or_create(tmp_path)  # a restart keeps the key
    assert [k.id for k in again.current().keys] == [key.id]


def test_add_then_retire_and_the_last_key_stays(tmp_path) -> None:
    ring = SigningRing.load_or_create(tmp_path)
    [old] = ring.current().keys
    new = ring.add()
    assert [k.id for k in ring.current().keys] == [old.id, new.id]  # oldest first
    with pytest.raises(UnknownSigningKey):
        ring.retire("0123456789abcdef")
    ring.retire(old.id)
    assert [k.id for k in ring.current().keys] == [new.id]
    assert not (tmp_path / SIGNING_DIR / f"{old.id}.key").exists()
    with pytest.raises(LastSigningKey):
        ring.retire(new.id)


def test_a_change_made_by_another_process_is_seen_at_the_next_manifest(tmp_path) -> None:
    mine = SigningRing.load_or_create(tmp_path)
    before = mine.current()
    theirs = SigningRing.load_or_create(tmp_path)  # another server on the same data
    added = theirs.add()
    after = mine.current()
    assert [k.id for k in after.keys] == [k.id for k in before.keys] + [added.id]
    assert after.generation != before.generation


def test_a_signature_is_made_once_per_body_and_key_set(tmp_path) -> None:
    ring = SigningRing.load_or_create(tmp_path)
    keys = ring.current()
    first = ring.signature_header(keys, b"body one", "digest")
    # Same digest, other bytes: the cached header comes back (nothing is signed again).
    assert ring.signature_header(keys, b"body two", "digest") == first
    uncached = SigningRing(tmp_path / SIGNING_DIR, cache_entries=0)
    assert uncached.signature_header(keys, b"body two", "digest") != first
    ring.add()
    assert ring.signature_header(ring.current(), b"body one", "digest") != first


def test_an_unreadable_key_file_stops_the_start_with_one_line(tmp_path) -> None:
    SigningRing.load_or_create(tmp_path)
    (tmp_path / SIGNING_DIR / ("0" * 16 + ".key")).write_text("not a key", encoding="ascii")
    with pytest.raises(SigningKeyError) as failed:
        SigningRing.load_or_create(tmp_path)
    assert "\n" not in str(failed.value) and "不是有效的私钥" in str(failed.value)


# -- the manifest route ------------------------------------------------------------------------


def test_the_manifest_lists_the_key_and_carries_its_signature(client: TestClient) -> None:
    answer = manifest(client)
    assert answer.status_code == 200
    [key] = answer.json()["signing_keys"]
    assert verifies(answer.content, answer.headers[SIGNATURE_HEADER], key["public_key"], key["id"])
    # the ETag is the body's, as before signing
    assert answer.headers["ETag"] == '"' + hashlib.sha256(answer.content).hexdigest()[:32] + '"'
    unchanged = manifest(client, answer.headers["ETag"])
    assert unchanged.status_code == 304 and SIGNATURE_HEADER not in unchanged.headers


def test_during_a_rotation_both_keys_sign_and_after_it_only_the_new_one(
    client: TestClient,
) -> None:
    first = manifest(client)
    [old] = first.json()["signing_keys"]
    added = client.post("/api/signing-keys", headers=AUTH)
    assert added.status_code == 201, added.text
    new = added.json()["key"]
    both = manifest(client, first.headers["ETag"])
    assert both.status_code == 200  # the key list is in the body: a new ETag
    assert [k["id"] for k in both.json()["signing_keys"]] == [old["id"], new["id"]]
    header = both.headers[SIGNATURE_HEADER]
    assert [kid for kid, _ in parse_header(header)] == [old["id"], new["id"]]
    assert verifies(both.content, header, old["public_key"], old["id"])
    assert verifies(both.content, header, new["public_key"], new["id"])
    retired = client.delete(f"/api/signing-keys/{old['id']}", headers=AUTH)
    assert retired.status_code == 200 and retired.json()["key"]["id"] == old["id"]
    after = manifest(client)
    assert [k["id"] for k in after.json()["signing_keys"]] == [new["id"]]
    assert [kid for kid, _ in parse_header(after.headers[SIGNATURE_HEADER])] == [new["id"]]


# -- the key routes ----------------------------------------------------------------------------


def test_the_list_gives_the_keys_and_the_config_line(client: TestClient) -> None:
    listing = client.get("/api/signing-keys", headers=AUTH).json()
    [key] = listing["keys"]
    assert listing["server_keys"] == f'server_keys = ["{key["public_key"]}"]'
    assert key["created_at"].endswith("+00:00")


def test_the_last_key_and_an_unknown_key_are_refused_in_one_line(client: TestClient) -> None:
    [key] = client.get("/api/signing-keys", headers=AUTH).json()["keys"]
    last = client.delete(f"/api/signing-keys/{key['id']}", headers=AUTH)
    assert last.status_code == 409 and last.json()["code"] == "last_signing_key"
    unknown = client.delete("/api/signing-keys/0123456789abcdef", headers=AUTH)
    assert unknown.status_code == 404 and unknown.json()["code"] == "signing_key_not_found"
    assert client.post("/api/signing-keys").status_code == 401


def test_a_branch_administrator_reads_the_keys_but_cannot_change_them(
    client: TestClient, data_dir: Path
) -> None:
    ids = committee_with_two_branches(client)
    add_account(client, "李委员", ids["b"], "administrator")
    caller = bearer(personal_token(client, login(client, "李委员"))["token"])

    def files() -> list[str]:
        return sorted(p.name for p in (data_dir / SIGNING_DIR).glob("*.key"))

    before = files()
    assert client.get("/api/signing-keys", headers=caller).status_code == 200
    [key] = client.get("/api/signing-keys", headers=caller).json()["keys"]
    added = client.post("/api/signing-keys", headers=caller)
    assert added.status_code == 403 and json.loads(added.text)["code"] == "forbidden"
    assert client.delete(f"/api/signing-keys/{key['id']}", headers=caller).status_code == 403
    assert files() == before
