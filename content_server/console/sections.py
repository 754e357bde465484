"""What the console offers where: the sections of the navigation bar and the publishing
pages the home page links to. Console modules add their own when their routers are built."""

from __future__ import annotations

from content_server.scope import Action, Principal

PREFIX = "/console"

# The publishing pages, as the home page offers them: {"href", "label"}. Each console module
# that adds a publishing page appends its link when its router is built.
PUBLISH_LINKS: list[dict[str, str]] = []
# The sections in the navigation bar, in order: {"key", "href", "label", "needs"}; ``nav`` of
# a page names its section; ``needs`` (an ``Action``, or "") hides it from a person who may do
# that nowhere. Modules add theirs with :func:`add_section`.
SECTIONS: list[dict[str, str]] = [
    {"key": "home", "href": f"{PREFIX}/", "label": "首页"},
    {"key": "items", "href": f"{PREFIX}/items", "label": "内容"},
]


def add_section(
    key: str, href: str, label: str, *, before: str | None = None, needs: Action | None = None
) -> None:
    """Put a section into the navigation bar (once), before section ``before`` or last; with
    ``needs``, only for people who may do that somewhere."""
    if any(each["key"] == key for each in SECTIONS):
        return
    entry = {"key": key, "href": href, "label": label, "needs": needs.value if needs else ""}
    keys = [each["key"] for each in SECTIONS]
    SECTIONS.insert(keys.index(before) if before in keys else len(SECTIONS), entry)


def visible_sections(who: Principal | None) -> list[dict[str, str]]:
    """The sections ``who`` is shown."""
    return [
        each
        for each in SECTIONS
        if not each.get("needs") or (who is not None and who.may_somewhere(Action(each["needs"])))
    ]


def add_publish_link(href: str, label: str) -> None:
    """Offer a publishing page on the home page (once)."""
    if not any(each["href"] == href for each in PUBLISH_LINKS):
        PUBLISH_LINKS.append({"href": href, "label": label})
