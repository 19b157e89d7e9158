"""Template names across a move between apps.

When a page's template moved with its app (e.g. `cases/whistles/board.html` became
`whistles/board.html`), a deployment may still override it under the former name in its own
template folder. `former(new, old)` gives Django both names, the former first, so such an
override keeps winning; the repo itself ships only the new name (the miss is cached by the
cached template loader). docs/architecture.md lists the moved names.
"""


def former(name: str, former_name: str) -> list[str]:
    return [former_name, name]
