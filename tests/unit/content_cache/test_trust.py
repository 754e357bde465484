"""The screen's trusted signing keys and the check of a manifest's signature, with signatures
made by the server's own signing code (``tests/support/signing.py``)."""

from __future__ import annotations

import json
import logging
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from content_cache.signature import SIGNATURE_HEADER, format_header, parse_header
from content_cache.trust import TRUST_FILE, SignatureRefused, TrustStore, Verified
from content_cache.wire import SigningKey, parse_manifest
from tests.support.signing import ManifestSigner

MANIFEST = {"revision": 1, "screen_id": "s1", "generated_at": "2026-11-24T08:00:00+08:00"}


@pytest.fixture
def signer(tmp_path: Path) -> ManifestSigner:
    return ManifestSigner(tmp_path / "server")


def wire_keys(signer: ManifestSigner) -> list[SigningKey]:
    return [SigningKey(**key) for key in signer.public_keys()]


def test_a_good_signature_is_accepted_by_the_key_it_trusts(tmp_path, signer) -> None:
    trust = signer.trust(tmp_path)
    body = signer.body(MANIFEST)
    [key] = signer.public_keys()
    assert trust.verify(body, signer.header(body)) == Verified(key["id"])
    assert trust.source == "enrollment" and trust.trusted() == [key["id"]]


@pytest.mark.parametrize("header", [None, "", "garbage", "0123456789abcdef=notbase64"])
def test_no_usable_signature_is_refused_as_missing(tmp_path, signer, header) -> None:
    with pytest.raises(SignatureRefused) as refused:
        signer.trust(tmp_path).verify(signer.body(MANIFEST), header)
    assert refused.value.reason == "missing"
    assert SIGNATURE_HEADER in str(refused.value) and "\n" not in str(refused.value)


def test_one_changed_byte_is_refused_as_a_bad_signature(tmp_path, signer) -> None:
    body = signer.body(MANIFEST)
    header = signer.header(body)
    altered = body.replace(b'"revision": 1', b'"revision": 2')
    with pytest.raises(SignatureRefused, match="does not verify") as refused:
        signer.trust(tmp_path).verify(altered, header)
    assert refused.value.reason == "bad"


def test_a_signature_by_an_unknown_key_is_refused_naming_both_keys(tmp_path, signer) -> None:
    stranger = ManifestSigner(tmp_path / "stranger")
    body = stranger.body(MANIFEST)
    with pytest.raises(SignatureRefused) as refused:
        signer.trust(tmp_path / "screen").verify(body, stranger.header(body))
    assert refused.value.reason == "unknown_key"
    [theirs], [mine] = stranger.public_keys(), signer.public_keys()
    assert theirs["id"] in str(refused.value) and mine["id"] in str(refused.value)
    assert "server_keys" in str(refused.value)


def test_one_good_signature_beside_an_unknown_one_is_enough(tmp_path, signer) -> None:
    stranger = ManifestSigner(tmp_path / "stranger")
    body = signer.body(MANIFEST)
    header = ", ".join([stranger.header(body), signer.header(body)])
    assert signer.trust(tmp_path).verify(body, header).key_id == signer.public_keys()[0]["id"]


def test_trust_on_first_use_takes_the_keys_the_body_lists_with_one_warning(
    tmp_path, signer, caplog
) -> None:
    trust = TrustStore(tmp_path)
    body = signer.body(MANIFEST)
    verified = trust.verify(body, signer.header(body))
    assert verified.first_use
    with caplog.at_level(logging.INFO, logger="content_cache.trust"):
        trust.learn(parse_manifest(body).signing_keys, verified)
    [line] = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert "first use" in line.getMessage()
    assert trust.source == "first_use" and trust.trusted() == [signer.public_keys()[0]["id"]]
    stranger = ManifestSigner(tmp_path / "stranger")
    other = stranger.body(MANIFEST)
    with pytest.raises(SignatureRefused, match="does not trust"):
        TrustStore(tmp_path).verify(other, stranger.header(other))  # pinned, also after restart


def test_first_use_refuses_a_signature_by_a_key_the_body_does_not_list(tmp_path, signer) -> None:
    stranger = ManifestSigner(tmp_path / "stranger")
    body = signer.body(MANIFEST)  # lists the signer's key, signed by another
    with pytest.raises(SignatureRefused) as refused:
        TrustStore(tmp_path).verify(body, stranger.header(body))
    assert refused.value.reason == "unknown_key"


def test_learning_adds_a_new_key_then_forgets_a_retired_one(tmp_path, signer, caplog) -> None:
    trust = signer.trust(tmp_path)
    [old] = signer.public_keys()
    new = signer.ring.add()
    body = signer.body(MANIFEST)
    with caplog.at_level(logging.INFO, logger="content_cache.trust"):
        trust.learn(parse_manifest(body).signing_keys, trust.verify(body, signer.header(body)))
    assert trust.trusted() == [old["id"], new.id]
    assert f"learnt {new.id}" in caplog.text
    signer.ring.retire(old["id"])
    body = signer.body(MANIFEST)
    verified = trust.verify(body, signer.header(body))
    assert verified.key_id == new.id
    trust.learn(parse_manifest(body).signing_keys, verified)
    assert trust.trusted() == [new.id] and TrustStore(tmp_path).trusted() == [new.id]
    assert trust.source == "manifest"


def test_learning_never_empties_the_set_nor_takes_a_list_without_the_signer(
    tmp_path, signer
) -> None:
    trust = signer.trust(tmp_path)
    [key] = signer.public_keys()
    stranger = ManifestSigner(tmp_path / "stranger")
    trust.learn([], Verified(key["id"]))
    trust.learn(wire_keys(stranger), Verified(key["id"]))
    assert trust.trusted() == [key["id"]]


def test_server_keys_from_the_config_seed_the_store_until_changed(tmp_path, signer) -> None:
    stranger = ManifestSigner(tmp_path / "stranger")
    [mine], [theirs] = signer.public_keys(), stranger.public_keys()
    assert TrustStore(tmp_path, [mine["public_key"]]).trusted() == [mine["id"]]
    learned = TrustStore(tmp_path, [mine["public_key"]])
    learned.learn(wire_keys(stranger) + wire_keys(signer), Verified(mine["id"]))
    # the same config again: what was learnt since stays
    assert TrustStore(tmp_path, [mine["public_key"]]).trusted() == [theirs["id"], mine["id"]]
    # a changed config: taken as it is (the way out of a screen that trusts the wrong keys)
    assert TrustStore(tmp_path, [theirs["public_key"]]).trusted() == [theirs["id"]]
    assert TrustStore(tmp_path).source == "config"


def test_a_change_written_by_another_store_is_seen(tmp_path, signer) -> None:
    first = TrustStore(tmp_path)
    assert first.trusted() == []
    signer.trust(tmp_path)  # e.g. enrollment, with its own TrustStore
    body = signer.body(MANIFEST)
    assert not first.verify(body, signer.header(body)).first_use


def test_an_unreadable_file_counts_as_no_key_with_one_error_line(tmp_path, caplog) -> None:
    (tmp_path / TRUST_FILE).write_text("{not json", encoding="utf-8")
    with caplog.at_level(logging.ERROR, logger="content_cache.trust"):
        assert TrustStore(tmp_path).trusted() == []
    assert len(caplog.records) == 1 and "unreadable" in caplog.records[0].getMessage()


def test_the_file_holds_public_keys_only_and_enrollment_without_keys_changes_nothing(
    tmp_path, signer
) -> None:
    trust = signer.trust(tmp_path)
    trust.trust_initial([])
    stored = json.loads((tmp_path / TRUST_FILE).read_text(encoding="utf-8"))
    assert stored["keys"] == signer.public_keys() and stored["source"] == "enrollment"
    assert not list(tmp_path.glob(".*.tmp"))


def test_the_header_lists_every_signature_and_skips_malformed_entries() -> None:
    sig = bytes(range(64))
    header = format_header([("0123456789abcdef", sig), ("fedcba9876543210", sig)])
    assert parse_header(header) == [("0123456789abcdef", sig), ("fedcba9876543210", sig)]
    assert parse_header("nonsense, ABC=def, 0123456789abcdef=" + "A" * 10) == []
    assert parse_header(header + ", junk") == parse_header(header)


def test_a_manifest_keeps_its_good_keys_and_skips_others(signer, caplog) -> None:
    [good] = signer.public_keys()
    wrong_id = {"id": "0" * 16, "public_key": good["public_key"]}
    other_kind = {"id": good["id"], "public_key": "AAAA", "alg": "future"}
    raw = {**MANIFEST, "signing_keys": [good, wrong_id, other_kind, "text"]}
    manifest = parse_manifest(json.dumps(raw))
    assert [key.id for key in manifest.signing_keys] == [good["id"]]
    assert caplog.text.count("skipped signing key") == 3


_HEADERS = st.one_of(
    st.text(max_size=300),
    st.lists(
        st.tuples(
            st.from_regex(r"[0-9a-f]{16}", fullmatch=True), st.binary(min_size=64, max_size=64)
        ),
        max_size=10,
    ).map(format_header),
)


@settings(database=None, max_examples=200, deadline=None)
@given(header=_HEADERS, body=st.binary(max_size=200))
def test_any_header_and_body_are_refused_in_one_line_or_verified_never_an_exception(
    header, body
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        trust = TrustStore(Path(tmp))
        for store_has_keys in (False, True):
            try:
                trust.verify(body, header)
            except SignatureRefused as refused:
                assert refused.reason in ("missing", "bad", "unknown_key")
                assert "\n" not in str(refused)
            else:
                raise AssertionError("a made-up signature verified")
            if not store_has_keys:
                trust.trust_initial(ManifestSigner(Path(tmp) / "server").public_keys())
