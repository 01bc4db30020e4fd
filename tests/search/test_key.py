"""The search key: generated with every keyring, derived for keyrings without one."""

from __future__ import annotations

import json

from intake import crypto
from intake.crypto import Keyring


def test_a_new_keyring_has_a_search_key_of_its_own():
    document = crypto.generate_keyring_document()
    assert [k["purpose"] for k in document["keys"]].count("search") == 1
    keyring = Keyring.from_json(json.dumps(document))
    assert not keyring.search_key_is_derived
    # Tokens are not the blind index of the same word: a separate key, a separate label.
    assert (
        crypto.search_token(keyring, "elm")
        != bytes.fromhex(crypto.blind_index(keyring, "w", "elm"))[:16]
    )


def test_an_older_keyring_gets_a_stable_derived_search_key_until_it_has_one(tmp_path):
    document = crypto.generate_keyring_document()
    document["keys"] = [k for k in document["keys"] if k["purpose"] != "search"]
    older = Keyring.from_json(json.dumps(document))
    assert older.search_key_is_derived
    derived = older.active("search")
    assert derived.key_id == crypto.DERIVED_SEARCH_PREFIX + older.active("blind_index").key_id
    assert derived.material == Keyring.from_json(json.dumps(document)).active("search").material
    assert derived.material != older.active("blind_index").material

    upgraded, added = crypto.add_missing_search_key(document)
    assert added and not Keyring.from_json(json.dumps(upgraded)).search_key_is_derived
    assert crypto.add_missing_search_key(upgraded) == (upgraded, False)


def test_keys_generate_add_gives_an_older_keyring_a_search_key(app, tmp_path):
    document = crypto.generate_keyring_document()
    document["keys"] = [k for k in document["keys"] if k["purpose"] != "search"]
    path = tmp_path / "keyring.json"
    crypto.write_keyring_file(path, document)
    result = app.test_cli_runner().invoke(args=["intake", "keys", "generate", "--add", str(path)])
    assert result.exit_code == 0, result.output
    assert "search reindex" in result.output
    assert not Keyring.from_json(path.read_text()).search_key_is_derived
