"""The digest as one self-contained HTML file: CSS inside, no scripts, no remote
assets, so it reads the same in a browser, pasted into an email, and on a phone."""

from __future__ import annotations

from html import escape
from typing import Any

from digest.markdown import earlier_figure, hhmm, when
from digest.report import MORE_LABELS, anything_new, claim_words, for_reading

# Long URLs and figures must wrap rather than widen the page on a phone: every block
# breaks anywhere as a last resort. Table headers are short words that never break
# (a fixed layout split "Fetched" at 375 px); the cells below them wrap instead.
STYLE = """
body{margin:0;padding:1rem;background:#fff;color:#1b1b1b;
font:16px/1.5 -apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif}
main{max-width:46rem;margin:0 auto}
h1{font-size:1.5rem;margin:0 0 .75rem}
h2{font-size:1.2rem;margin:1.75rem 0 .5rem;border-bottom:1px solid #ddd;padding-bottom:.25rem}
h3{font-size:1.05rem;margin:1.25rem 0 .25rem}
p,li,td,th,blockquote{overflow-wrap:anywhere}
a{color:#0b57d0}
ul{padding-left:1.25rem}
li{margin:.25rem 0}
.numbers{display:flex;flex-wrap:wrap;gap:.5rem;padding:0;list-style:none}
.numbers li{flex:1 1 8rem;border:1px solid #ddd;border-radius:6px;padding:.5rem;margin:0}
.numbers b{display:block;font-size:1.4rem}
.meta{color:#555;font-size:.9rem}
blockquote{margin:.25rem 0;padding:.25rem .75rem;border-left:4px solid #ccc}
.added{border-color:#2e7d32;background:#f1f8f1}
.removed{border-color:#c62828;background:#fdf1f1}
.change{font-weight:600}
table{width:100%;border-collapse:collapse;font-size:.85rem}
th,td{border-bottom:1px solid #eee;padding:.3rem .25rem;text-align:left;vertical-align:top}
th{white-space:nowrap;overflow-wrap:normal}
"""


def render_html(full: dict[str, Any]) -> str:
    report = for_reading(full)
    page_title = f"{report['watch']}: digest for {report['date']}"
    body = [f"<h1>{escape(page_title)}</h1>", _numbers(report["numbers"])]
    if not anything_new(report):
        body.append(f"<p>Nothing new on {report['date']}: no new articles, changes or claims.</p>")
    for heading, key, render in (
        ("New stories", "new_stories", _story),
        ("Stories picked up by more outlets", "stories_spread", _spread),
        ("Updated articles", "updated_articles", _update),
        ("New claims", "claims", _claim_group),
    ):
        body += _section(heading, report[key], render)
        if report["more"][key]:
            label = MORE_LABELS[key]
            body.append(f"<p>… and {report['more'][key]} more {label}: see the JSON digest.</p>")
    body += _section("Figures that changed", report["figure_changes"], _figure_change)
    body.append(_health(report["crawl_health"]))
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(page_title)}</title>\n<style>{STYLE}</style></head>\n"
        "<body><main>\n" + "\n".join(body) + "\n</main></body></html>\n"
    )


def _a(text: str, url: str) -> str:
    return f'<a href="{escape(url)}">{escape(text or url)}</a>'


def _numbers(numbers: dict[str, int]) -> str:
    labels = (
        ("articles_seen", "articles seen"),
        ("new_stories", "new stories"),
        ("stories_spread", "stories picked up"),
        ("updated_articles", "updated articles"),
        ("new_claims", "new claims"),
        ("fetch_errors", "fetch errors"),
    )
    cells = "".join(f"<li><b>{numbers[key]}</b>{label}</li>" for key, label in labels)
    return f'<h2>The day in numbers</h2>\n<ul class="numbers">{cells}</ul>'


def _section(title: str, items: list[dict[str, Any]], render: Any) -> list[str]:
    if not items:
        return []
    return [f"<h2>{escape(title)}</h2>", *(render(item) for item in items)]


def _story(story: dict[str, Any]) -> str:
    origin = story["origin"]
    parts = [
        f"<h3>{escape(story['title'] or 'Untitled')}</h3>",
        f'<p class="meta">Story {story["cluster_id"]}, first published by '
        f"<b>{escape(origin['outlet'])}</b> ({_a(origin['url'], origin['url'])})</p>",
    ]
    if len(story["carried_by"]) > 1:
        items = "".join(_carrier(member) for member in story["carried_by"])
        parts.append(f"<p>Carried by {len(story['carried_by'])} outlets:</p><ul>{items}</ul>")
    for edge in story["partial_copies"]:
        source, target = edge["from"], edge["to"]
        parts.append(
            f"<p>Partial copy: <b>{escape(target.get('outlet', '?'))}</b> reuses "
            f"{edge['overlap']:.0%} of <b>{escape(source.get('outlet', '?'))}</b> "
            f"({_a(target.get('title', ''), target.get('url', ''))})</p>"
        )
    return "\n".join(parts)


def _carrier(member: dict[str, Any]) -> str:
    similarity = "" if member["role"] == "origin" else f", {member['similarity']:.2f}"
    return (
        f"<li>{when(member)} · <b>{escape(member['outlet'])}</b> "
        f"({escape(member['role'].replace('_', ' '))}{similarity}): "
        f"{_a(member['title'], member['url'])}</li>"
    )


def _spread(story: dict[str, Any]) -> str:
    origin = story["origin"]
    items = "".join(_carrier(member) for member in story["carried_by"] if member.get("new"))
    return (
        f"<h3>{escape(story['title'] or 'Untitled')}</h3>\n"
        f'<p class="meta">Story {story["cluster_id"]}, first published by '
        f"<b>{escape(origin['outlet'])}</b> ({_a(origin['url'], origin['url'])}); carried by "
        f"{len(story['carried_by'])} outlets now. New today:</p><ul>{items}</ul>"
    )


def _update(update: dict[str, Any]) -> str:
    parts = [
        f"<h3>{escape(update['outlet'])}: {_a(update['title'], update['url'])}</h3>",
        f'<p class="meta">Changed at {hhmm(update["changed_at"])}</p>',
    ]
    for css, sign, sentences in (
        ("added", "+", update["added"]),
        ("removed", "−", update["removed"]),
    ):
        parts += [f'<blockquote class="{css}">{sign} {escape(s)}</blockquote>' for s in sentences]
    return "\n".join(parts)


def _claim_group(group: dict[str, Any]) -> str:
    story = f" (story {group['cluster_id']})" if group["cluster_id"] else ""
    items = "".join(f"<li>{_claim(claim)}</li>" for claim in group["claims"])
    return f"<h3>{escape(group['story'] or 'Untitled')}{story}</h3>\n<ul>{items}</ul>"


def _claim(claim: dict[str, Any]) -> str:
    words = {key: escape(value) for key, value in claim_words(claim).items()}
    parts = [f"<b>{words['speaker']}</b> ({words['cue']}): {words['said']}", words["figures"]]
    raw = claim_words(claim)
    elsewhere = f" at {words['first_seen_elsewhere']}" if words["first_seen_elsewhere"] else ""
    parts.append(
        f'<span class="meta">First published by '
        f"{_a(raw['first_published'], raw['first_published_url'])}; first seen "
        f"{hhmm(claim['first_seen'])}{elsewhere}.</span>"
    )
    if words["repeated_by"]:
        parts.append(f'<span class="meta">Repeated by {words["repeated_by"]}.</span>')
    if words["relation"]:
        parts.append(f"<i>{words['relation']}</i>")
    return " ".join(p for p in parts if p)


def _figure_change(change: dict[str, Any]) -> str:
    return (
        f'<p><span class="change">{escape(change["summary"])}</span> '
        f'<span class="meta">(first seen {hhmm(change["first_seen"])} at '
        f"{_a(change['outlet'], change['url'])}; {escape(earlier_figure(change))})</span></p>"
    )


def _health(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "<h2>Crawl health</h2>\n<p>No fetches on this day.</p>"
    head = (
        "<tr><th>Outlet</th><th>Fetched</th><th>304</th><th>Robots</th>"
        "<th>Errors</th><th>Gone</th></tr>"
    )
    body = []
    for row in rows:
        errors = ", ".join(f"{kind} {n}" for kind, n in row["errors"].items()) or "0"
        body.append(
            f"<tr><td>{escape(row['outlet'])}</td><td>{row['fetched']}</td>"
            f"<td>{row['not_modified']}</td><td>{row['robots']}</td>"
            f"<td>{escape(errors)}</td><td>{row['taken_down']}</td></tr>"
        )
    return f"<h2>Crawl health</h2>\n<table>{head}{''.join(body)}</table>"
