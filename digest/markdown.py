"""The digest as Markdown: the primary format, readable as plain text and rendered by
any forge. A pure function of the report."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from digest.report import MORE_LABELS, anything_new, claim_words, for_reading

# Every character that can start Markdown syntax inline: emphasis, code, links and
# images, raw HTML and entities, table cells, headings, strikethrough.
_SPECIAL = re.compile(r"([\\`*_\[\]<>|#&~!])")
# Characters that would end or break a link destination written as <...>.
_UNSAFE_IN_URL = re.compile(r"[<>\s]")


def escape(text: str) -> str:
    """Text that Markdown shows as written (no accidental emphasis, links or tables):
    one line, every syntax character backslash-escaped."""
    return _SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def hhmm(stamp: str | None) -> str:
    """'2024-10-23T08:00:00Z' -> '2024-10-23 08:00 UTC'."""
    if not stamp:
        return "?"
    return f"{stamp[:10]} {stamp[11:16]} UTC"


def when(member: dict[str, Any]) -> str:
    """When a story's member came out: published, else first seen by the crawl."""
    if member.get("published_utc"):
        return f"published {hhmm(member['published_utc'])}"
    return f"seen {hhmm(member['first_seen'])}"


def link(text: str, url: str) -> str:
    destination = _UNSAFE_IN_URL.sub(lambda m: quote(m.group(), safe=""), url)
    return f"[{escape(text) or escape(url)}](<{destination}>)"


def render_markdown(full: dict[str, Any]) -> str:
    report = for_reading(full)
    lines = [f"# {escape(report['watch'])}: digest for {report['date']}", ""]
    lines += _numbers(report["numbers"])
    if not anything_new(report):
        lines += [f"Nothing new on {report['date']}: no new articles, changes or claims.", ""]
    lines += _section("New stories", report["new_stories"], _story)
    lines += _more(report, "new_stories")
    lines += _section("Stories picked up by more outlets", report["stories_spread"], _spread)
    lines += _more(report, "stories_spread")
    lines += _section("Updated articles", report["updated_articles"], _update)
    lines += _more(report, "updated_articles")
    lines += _section("New claims", report["claims"], _claim_group)
    lines += _more(report, "claims")
    lines += _section("Figures that changed", report["figure_changes"], _figure_change)
    lines += _health(report["crawl_health"])
    return "\n".join(lines).rstrip() + "\n"


def _more(report: dict[str, Any], key: str) -> list[str]:
    count = report["more"][key]
    if not count:
        return []
    return [f"… and {count} more {MORE_LABELS[key]}: see the JSON digest.", ""]


def _numbers(numbers: dict[str, int]) -> list[str]:
    return [
        "## The day in numbers",
        "",
        "| Articles seen | New stories | Stories picked up | Updated articles | New claims "
        "| Fetch errors |",
        "|---:|---:|---:|---:|---:|---:|",
        f"| {numbers['articles_seen']} | {numbers['new_stories']} | "
        f"{numbers['stories_spread']} | {numbers['updated_articles']} | "
        f"{numbers['new_claims']} | {numbers['fetch_errors']} |",
        "",
    ]


def _section(title: str, items: list[dict[str, Any]], render: Any) -> list[str]:
    if not items:
        return []
    lines = [f"## {title}", ""]
    for item in items:
        lines += render(item)
    if lines[-1]:
        lines.append("")
    return lines


def _story_head(story: dict[str, Any], then: str) -> list[str]:
    origin = story["origin"]
    return [
        f"### {escape(story['title'] or 'Untitled')}",
        "",
        f"Story {story['cluster_id']}, first published by **{escape(origin['outlet'])}** "
        f"({link(origin['url'], origin['url'])}){then}",
        "",
    ]


def _story(story: dict[str, Any]) -> list[str]:
    lines = _story_head(story, ".")
    if len(story["carried_by"]) > 1:
        lines += [f"Carried by {len(story['carried_by'])} outlets:", ""]
        lines += [f"- {_carrier(member)}" for member in story["carried_by"]]
        lines.append("")
    for edge in story["partial_copies"]:
        source, target = edge["from"], edge["to"]
        lines.append(
            f"- Partial copy: **{escape(target.get('outlet', '?'))}** reuses "
            f"{edge['overlap']:.0%} of **{escape(source.get('outlet', '?'))}** "
            f"({link(target.get('title', ''), target.get('url', ''))})"
        )
    if story["partial_copies"]:
        lines.append("")
    return lines


def _spread(story: dict[str, Any]) -> list[str]:
    lines = _story_head(story, f"; carried by {len(story['carried_by'])} outlets now. New today:")
    lines += [f"- {_carrier(member)}" for member in story["carried_by"] if member.get("new")]
    return [*lines, ""]


def _carrier(member: dict[str, Any]) -> str:
    """One outlet carrying a story: when, who, how, and the link."""
    similarity = "" if member["role"] == "origin" else f", {member['similarity']:.2f}"
    return (
        f"{when(member)} · **{escape(member['outlet'])}** "
        f"({member['role'].replace('_', ' ')}{similarity}): "
        f"{link(member['title'], member['url'])}"
    )


def _update(update: dict[str, Any]) -> list[str]:
    lines = [
        f"### {escape(update['outlet'])}: {link(update['title'], update['url'])}",
        "",
        f"Changed at {hhmm(update['changed_at'])}.",
        "",
    ]
    for label, sentences in (("Added", update["added"]), ("Removed", update["removed"])):
        if sentences:
            lines += [f"{label}:", ""]
            lines += [f"> {'+' if label == 'Added' else '−'} {escape(s)}" for s in sentences]
            lines.append("")
    return lines


def _claim_group(group: dict[str, Any]) -> list[str]:
    title = group["story"] or "Untitled"
    story = f" (story {group['cluster_id']})" if group["cluster_id"] else ""
    lines = [f"### {escape(title)}{story}", ""]
    for claim in group["claims"]:
        lines.append(f"- {_claim_line(claim)}")
    lines.append("")
    return lines


def _claim_line(claim: dict[str, Any]) -> str:
    words = claim_words(claim)
    parts = [f"**{escape(words['speaker'])}** ({escape(words['cue'])}): {escape(words['said'])}"]
    parts.append(escape(words["figures"]))
    first = link(words["first_published"], words["first_published_url"])
    parts.append(f"First published by {first};")
    elsewhere = words["first_seen_elsewhere"]
    elsewhere = f" at {escape(elsewhere)}" if elsewhere else ""
    parts.append(f"first seen {hhmm(claim['first_seen'])}{elsewhere}.")
    if words["repeated_by"]:
        parts.append(f"Repeated by {escape(words['repeated_by'])}.")
    if words["relation"]:
        parts.append(f"*{escape(words['relation'])}*")
    return " ".join(p for p in parts if p)


def _figure_change(change: dict[str, Any]) -> list[str]:
    return [
        f"- **{escape(change['summary'])}** (first seen {hhmm(change['first_seen'])} at "
        f"{link(change['outlet'], change['url'])}; {earlier_figure(change)})",
    ]


def earlier_figure(change: dict[str, Any]) -> str:
    """Where the earlier figure of a change comes from, as plain text."""
    if change["earlier_first_seen"] is None:
        return "the earlier figure as the same sentence gives it"
    return f"the earlier figure since {hhmm(change['earlier_first_seen'])}"


def _health(rows: list[dict[str, Any]]) -> list[str]:
    if not rows:
        return ["## Crawl health", "", "No fetches on this day.", ""]
    lines = [
        "## Crawl health",
        "",
        "| Outlet | Fetched | Not modified (304) | Robots blocks | Errors | Taken down |",
        "|---|---:|---:|---:|---|---:|",
    ]
    for row in rows:
        errors = ", ".join(f"{kind} {n}" for kind, n in row["errors"].items()) or "0"
        lines.append(
            f"| {escape(row['outlet'])} | {row['fetched']} | {row['not_modified']} | "
            f"{row['robots']} | {escape(errors)} | {row['taken_down']} |"
        )
    lines.append("")
    return lines
