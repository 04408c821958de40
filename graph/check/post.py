"""Post the check's markdown as one sticky pull-request comment (GitHub) or merge-request note (GitLab).

Run by the GitHub Action (``action.yml``) and the GitLab CI template (``ci/lineagemesh-check.gitlab-ci.yml``)::

    python -m graph.check.post github REPORT.md   # GITHUB_API_URL, GITHUB_REPOSITORY, GITHUB_EVENT_PATH, GITHUB_TOKEN
    python -m graph.check.post gitlab REPORT.md   # CI_API_V4_URL, CI_PROJECT_ID, CI_MERGE_REQUEST_IID, LINEAGEMESH_GITLAB_TOKEN

The comment carries a hidden marker; a later run finds it (paging through the comments) and
edits it in place, so a pull request holds one lineagemesh comment however often it is pushed.
Exit codes: 0 posted (or nothing to post to: not a pull request), 2 missing settings or a refused call.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

MARKER = "<!-- lineagemesh-check -->"
_PAGES = 50  # at most this many pages of 100 comments are searched for the marker


class PostError(Exception):
    """A setting is missing or the API refused a call; the message says which."""


def _body(markdown: str) -> str:
    return f"{MARKER}\n{markdown}"


def _pages(client: httpx.Client, url: str) -> Iterator[list[dict[str, Any]]]:
    """Every page of a list endpoint (GitHub's ``Link: rel=next``, GitLab's ``X-Next-Page``)."""
    params: dict[str, Any] | None = {"per_page": 100}
    next_url: str | None = url
    for _ in range(_PAGES):
        if next_url is None:
            return
        response = client.get(next_url, params=params)
        _ok(response)
        yield response.json()
        following = response.links.get("next", {}).get("url")
        if following:
            next_url, params = following, None
        elif response.headers.get("x-next-page"):
            next_url, params = url, {"per_page": 100, "page": response.headers["x-next-page"]}
        else:
            next_url = None


def _ok(response: httpx.Response) -> None:
    if response.status_code >= 400:
        raise PostError(
            f"{response.request.method} {response.request.url} answered {response.status_code}: "
            f"{response.text[:300]}"
        )


def _sticky(
    client: httpx.Client, listed: str, edit: str, edit_method: str, markdown: str
) -> tuple[str, int]:
    """Edit the comment carrying the marker among those ``listed`` (at ``edit``/{its id}, by
    ``edit_method``), or post a new one there: ("created"|"updated", its id)."""
    existing = next(
        (
            c["id"]
            for page in _pages(client, listed)
            for c in page
            if MARKER in (c.get("body") or "")
        ),
        None,
    )
    if existing is not None:
        response = client.request(edit_method, f"{edit}/{existing}", json={"body": _body(markdown)})
        _ok(response)
        return "updated", int(existing)
    response = client.post(listed, json={"body": _body(markdown)})
    _ok(response)
    return "created", int(response.json()["id"])


def post_github(
    api_url: str, repository: str, number: int, token: str, markdown: str
) -> tuple[str, int]:
    """Create or update the sticky comment on pull request ``number``: ("created"|"updated", id)."""
    headers = {
        "Authorization": f"Bearer {token}",
        "Accept": "application/vnd.github+json",
        "X-GitHub-Api-Version": "2022-11-28",
    }
    base = api_url.rstrip("/")
    with httpx.Client(headers=headers, timeout=30) as client:
        comments = f"{base}/repos/{repository}/issues/{number}/comments"
        edit = f"{base}/repos/{repository}/issues/comments"
        return _sticky(client, comments, edit, "PATCH", markdown)


def post_gitlab(
    api_url: str, project: str, merge_request: int, token: str, markdown: str
) -> tuple[str, int]:
    """Create or update the sticky note on merge request ``merge_request``."""
    base = api_url.rstrip("/")
    notes = f"{base}/projects/{quote(project, safe='')}/merge_requests/{merge_request}/notes"
    with httpx.Client(headers={"PRIVATE-TOKEN": token}, timeout=30) as client:
        return _sticky(client, notes, notes, "PUT", markdown)


def _need(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise PostError(f"{name} is not set")
    return value


def _github_number() -> int | None:
    event = json.loads(Path(_need("GITHUB_EVENT_PATH")).read_text(encoding="utf-8"))
    pull = event.get("pull_request") or {}
    number = pull.get("number") or (event.get("issue") or {}).get("number")
    return int(number) if number else None


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("github", "gitlab"):
        print("usage: python -m graph.check.post github|gitlab REPORT.md", file=sys.stderr)
        return 2
    where, report = argv
    try:
        markdown = Path(report).read_text(encoding="utf-8")
        if where == "github":
            number = _github_number()
            if number is None:
                print(
                    "lineagemesh: not a pull request event: nothing to comment on", file=sys.stderr
                )
                return 0
            done, comment = post_github(
                _need("GITHUB_API_URL"),
                _need("GITHUB_REPOSITORY"),
                number,
                _need("GITHUB_TOKEN"),
                markdown,
            )
        else:
            if not os.environ.get("CI_MERGE_REQUEST_IID"):
                print("lineagemesh: not a merge request pipeline: nothing to note", file=sys.stderr)
                return 0
            token = os.environ.get("LINEAGEMESH_GITLAB_TOKEN") or _need("GITLAB_TOKEN")
            done, comment = post_gitlab(
                _need("CI_API_V4_URL"),
                _need("CI_PROJECT_ID"),
                int(_need("CI_MERGE_REQUEST_IID")),
                token,
                markdown,
            )
    except (PostError, OSError, ValueError, httpx.HTTPError) as e:
        print(f"lineagemesh: cannot post the report: {e}", file=sys.stderr)
        return 2
    print(f"lineagemesh: {done} comment {comment}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
