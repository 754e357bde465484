"""``kiosk admin keys``: the server's manifest-signing keys (``/api/signing-keys``).

    kiosk admin keys list            the keys, then the server_keys line for a screen's config
    kiosk admin keys add             a new key: from now on both sign
    kiosk admin keys retire KEY_ID   the key stops signing (never the last one)

The last line of ``list`` is the ``server_keys = [...]`` line; of ``add`` and ``retire``, the
key's id. Errors are one line (``admin_cli``). The rotation procedure is in
docs/content-server.md, "Manifest signing".
"""

from __future__ import annotations

import argparse
from datetime import datetime
from typing import Any

from content_server.client import PublishClient
from content_server.timefmt import CHINA_TZ


def add_keys_parsers(
    actions: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
) -> list[argparse.ArgumentParser]:
    """Register the actions of ``kiosk admin keys``; returns their parsers."""
    listing = actions.add_parser(
        "list",
        help="The manifest-signing keys, and the server_keys line for a screen's config.",
        parents=[common],
    )
    listing.set_defaults(run=_list)
    add = actions.add_parser(
        "add",
        help="Add a signing key; from now on it signs beside the others.",
        description="Screens learn the new key from their next manifest, which the old key "
        "signs too. Retire the old key once every screen has fetched a manifest since "
        "(kiosk admin screen list shows when each was last seen).",
        parents=[common],
    )
    add.set_defaults(run=_add)
    retire = actions.add_parser(
        "retire",
        help="Retire a signing key: it signs no more (the last key cannot be retired).",
        description="Screens forget the key with their next manifest. A screen that trusts "
        "only this key refuses every manifest from then on: enrol it again, or set its "
        "server_keys.",
        parents=[common],
    )
    retire.add_argument("key_id", metavar="KEY_ID", help="The key's id (kiosk admin keys list).")
    retire.set_defaults(run=_retire)
    return [listing, add, retire]


def _list(client: PublishClient, args: argparse.Namespace) -> int:
    answer = client.signing_keys()
    for key in answer["keys"]:
        print(_line(key))
    print(f"签名密钥 {len(answer['keys'])} 个；未配对登记的屏幕在 kiosk.toml 中写入下一行：")
    print(answer["server_keys"])
    return 0


def _add(client: PublishClient, args: argparse.Namespace) -> int:
    key = client.add_signing_key()["key"]
    print(f"已添加签名密钥 {key['id']}：从现在起清单由新旧密钥共同签名")
    print("等所有屏幕都取过一次清单后，再用 kiosk admin keys retire 停用旧密钥")
    print(key["id"])
    return 0


def _retire(client: PublishClient, args: argparse.Namespace) -> int:
    answer = client.retire_signing_key(args.key_id)
    left = ", ".join(key["id"] for key in answer["keys"])
    print(f"已停用签名密钥 {answer['key']['id']}；现在签名的密钥：{left}")
    print(answer["key"]["id"])
    return 0


def _line(key: dict[str, Any]) -> str:
    created = datetime.fromisoformat(str(key["created_at"])).astimezone(CHINA_TZ)
    return f"{key['id']}  创建于 {created:%Y-%m-%d %H:%M}  {key['public_key']}"
