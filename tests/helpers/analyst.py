"""An analyst working on a shared catalog: one change committed and pushed from their clone.

Run as a program from a git hook (``python -m helpers.analyst COUNTER CLONE BASE ACTION...``),
it makes the next of ACTION... each time it runs, and nothing once they are done:
so a test decides exactly when, and how many times, someone else pushes.
"""

from __future__ import annotations

import sys
from pathlib import Path

from helpers.gitwork import commit_all, git
from htcat.store.file import change_catalog

CATALOG = "data/catalog.json"


def act(repo: Path, action: str, base: str) -> None:
    """``action`` (add, edit, tag, relink, remove) on the entry ``shared``, committed and pushed."""
    git(repo, "pull", "-q", "--rebase")
    with change_catalog(repo / CATALOG) as catalog:
        if action == "add":
            catalog.add({"id": "added", "title": "Added", "type": "report"})
        elif action == "remove":
            catalog.remove_many(["shared"])
        else:
            entry = catalog.get("shared")
            if action == "edit":
                entry["title"] = "The analyst's title"
            elif action == "tag":
                entry["tags"] = ["base", "reviewed"]
            elif action == "relink":
                entry["links"] = [entry["links"][0], {"url": f"{base}/ok-new", "kind": "page"}]
            else:
                raise ValueError(f"unknown action {action!r}")
            catalog.replace(entry)
    commit_all(repo, f"analyst: {action}")
    git(repo, "push", "-q")


def main(counter: str, repo: str, base: str, *actions: str) -> None:
    done_file = Path(counter)
    done = int(done_file.read_text()) if done_file.exists() else 0
    if done < len(actions):
        done_file.write_text(str(done + 1))
        act(Path(repo), actions[done], base)


if __name__ == "__main__":
    main(*sys.argv[1:])
