"""One watch's day, gathered from the database into a JSON-ready report.

The report is the digest's single source: the Markdown, HTML and JSON files and the
demo's day-by-day printout all render it. Its schema is documented in
docs/digest-schema.md; `SCHEMA` names its version.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from typing import Any

from claims.figures import figure_changes, speaker_label
from storage import Store
from storage.common import iso

SCHEMA = "wirewatch.digest/1"


# A digest is read, not searched: on a busy day the Markdown and HTML show the widest-
# spread stories and the first updates and claims, and say how many more the JSON
# holds. Set well above a day of the demo story (at most 23 claims in one story).
SHOWN = {"new_stories": 50, "updated_articles": 50, "claim_groups": 30, "claims_per_story": 40}


class DigestError(ValueError):
    """A digest that cannot be made (an unknown watch); the message says which."""


def day_window(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time())
    return start, start + timedelta(days=1)


def collect_day(store: Store, watch: str, day: date) -> dict[str, Any]:
    """Everything that happened to `watch` on `day` (UTC)."""
    watch_id = store.watch_id(watch)
    if watch_id is None:
        raise DigestError(f"no watch named {watch!r} in the database (has it been crawled?)")
    start, end = day_window(day)
    new_articles = store.new_articles(watch_id, start, end)
    updated = store.changed_articles(watch_id, start, end)
    stories = [
        _story(store, cid, start, end) for cid in store.new_cluster_ids(watch_id, start, end)
    ]
    spread = [_story(store, cid, start, end)
              for cid in store.spread_cluster_ids(watch_id, start, end)]  # fmt: skip
    claims = store.list_claims(since=start, until=end, watch=watch, limit=100_000)
    health = store.fetch_health(watch_id, start, end)
    return {
        "schema": SCHEMA,
        "watch": watch,
        "date": day.isoformat(),
        "window": {"start": start.isoformat() + "Z", "end": end.isoformat() + "Z"},
        "numbers": {
            "articles_seen": store.articles_seen(watch_id, start, end),
            "new_articles": len(new_articles),
            "new_stories": len(stories),
            "stories_spread": len(spread),
            "updated_articles": len({u["article_id"] for u in updated}),
            "new_claims": len(claims),
            "fetch_errors": sum(sum(h["errors"].values()) for h in health),
        },
        "new_articles": new_articles,
        "new_stories": [s for s in stories if s is not None],
        "stories_spread": [s for s in spread if s is not None],
        "updated_articles": updated,
        "claims": _claims_by_story(store, claims),
        "figure_changes": _figure_changes(store, claims),
        "crawl_health": health,
    }


def _story(store: Store, cluster_id: int, start: datetime, end: datetime) -> dict[str, Any] | None:
    """A story as it stood at the end of the day: the members seen by then (those seen
    that day marked new), the origin first, then the copies in the order published."""
    detail = store.cluster_detail(cluster_id)
    until, since = iso(end) or "", iso(start) or ""
    present = [m for m in detail["members"] if m["first_seen"] < until] if detail else []
    if detail is None or not present:
        return None
    origin_id = detail["origin_id"]
    if origin_id not in {m["article_id"] for m in present}:
        origin_id = min(present, key=lambda m: (_came_out(m), m["article_id"]))["article_id"]

    def spread_order(member: dict[str, Any]) -> tuple[bool, str, int]:
        return member["article_id"] != origin_id, _came_out(member), member["article_id"]

    members = sorted(present, key=spread_order)
    by_id = {m["article_id"]: {**_member(m), "new": m["first_seen"] >= since} for m in members}

    def article(article_id: int) -> dict[str, Any]:
        return by_id.get(article_id, {"article_id": article_id})

    edges = [e for e in detail["partial_copies"] if e["to"] in by_id]
    return {
        "cluster_id": cluster_id,
        "title": members[0]["title"],
        "origin": by_id[members[0]["article_id"]],
        "carried_by": [by_id[m["article_id"]] for m in members],
        "partial_copies": [
            {"from": article(e["from"]), "to": article(e["to"]), "overlap": round(e["overlap"], 2)}
            for e in sorted(edges, key=lambda e: (e["from"], e["to"]))
        ],
    }


def _came_out(member: dict[str, Any]) -> str:
    """When a member came out: published (UTC) when the page says, else first seen."""
    return member.get("published_at") or str(member["first_seen"])


def _member(member: dict[str, Any]) -> dict[str, Any]:
    return {
        "article_id": member["article_id"],
        "outlet": member["outlet"],
        "title": member["title"],
        "url": member["url"],
        "published": member["published"],
        "published_utc": member.get("published_at"),
        "first_seen": member["first_seen"],
        "role": member["role"],
        "similarity": round(member["similarity"], 2),
    }


def _claims_by_story(store: Store, claims: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """New claims grouped by the story they were first published in, each group titled
    with that story's origin headline, stories in the order of their first claim."""
    ids = [c["id"] for c in claims]
    provenance = store.claim_provenance(ids) if claims else {}
    earlier = _earlier_claims(store, claims)
    first_articles = {c["id"]: _first_published(c, provenance) for c in claims}
    clusters = store.cluster_of(sorted({a["article_id"] for a in first_articles.values()}))
    titles = _origin_titles(store, sorted(set(clusters.values())))
    groups: dict[int | None, list[dict[str, Any]]] = defaultdict(list)
    group_titles: dict[int | None, str] = {}
    for claim in claims:
        first = first_articles[claim["id"]]
        cluster = clusters.get(first["article_id"], claim["cluster_id"])
        group_titles.setdefault(cluster, titles.get(cluster or 0) or first["title"])
        repeated = provenance.get(claim["id"], {}).get("repeated_by", [])
        groups[cluster].append(_claim_item(claim, first, repeated, earlier))
    return [
        {"cluster_id": cluster, "story": group_titles[cluster], "claims": items}
        for cluster, items in groups.items()
    ]


def _first_published(
    claim: dict[str, Any], provenance: dict[int, dict[str, Any]]
) -> dict[str, Any]:
    known = provenance.get(claim["id"])
    if known is not None:
        return known["first_published"]
    return {"article_id": claim["first_article_id"], "outlet": claim["outlet"],
            "url": claim["url"], "title": claim["title"], "published_utc": None}  # fmt: skip


def _origin_titles(store: Store, cluster_ids: list[int]) -> dict[int, str]:
    origins = store.cluster_origins(cluster_ids) if cluster_ids else {}
    titles = store.article_titles(sorted(set(origins.values()))) if origins else {}
    return {cluster: titles[article] for cluster, article in origins.items() if article in titles}


def _earlier_claims(store: Store, claims: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    related = sorted({c["related_claim_id"] for c in claims if c["related_claim_id"]})
    return store.claims_by_id(related) if related else {}


def _claim_item(claim: dict[str, Any], first: dict[str, Any], repeated: list[dict[str, Any]],
                earlier: dict[int, dict[str, Any]]) -> dict[str, Any]:  # fmt: skip
    before = earlier.get(claim["related_claim_id"] or 0)
    return {
        "id": claim["id"],
        "speaker": claim["speaker"],
        "cue": claim["cue"],
        "content": claim["content"],
        "sentence": claim["sentence"],
        "quote": claim["quote"],
        "figures": [q["text"] for q in claim["quantities"]],
        "first_seen": claim["first_seen"],
        "first_outlet": claim["outlet"],
        "first_url": claim["url"],
        "first_published": {
            "outlet": first["outlet"], "url": first["url"], "title": first["title"],
            "published_utc": first["published_utc"],
        },
        "repeated_by": [
            {"outlet": o["outlet"], "url": o["url"], "seen_at": o["seen_at"]} for o in repeated
        ],
        "relation": claim["relation"],
        "related_claim_id": claim["related_claim_id"],
        "earlier": None if before is None else {
            "speaker": before["speaker"], "cue": before["cue"], "content": before["content"],
            "first_seen": before["first_seen"],
        },
    }  # fmt: skip


def _figure_changes(store: Store, claims: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The same speaker's figure, changed: "NIS: 1,500 → about 3,000 troops". A change
    is what a sentence states itself ("3,000, up from 1,500"), or an update of the
    speaker's earlier claim counting the same thing (unit and scope); never a figure the
    earlier claim itself said it replaced (claims.figures, as the alerts say it)."""
    earlier = _earlier_claims(store, claims)
    changes = []
    for claim in claims:
        if claim["relation"] != "update":
            continue
        before = earlier.get(claim["related_claim_id"] or 0)
        said_before = (before["sentence"], before["quantities"]) if before is not None else None
        for change in figure_changes(claim["speaker"], claim["sentence"], claim["quantities"],
                                     said_before):  # fmt: skip
            changes.append(
                {
                    "speaker": change.speaker,
                    "unit": change.unit,
                    "before": change.before,
                    "after": change.after,
                    "summary": change.summary,
                    "claim_id": claim["id"],
                    "earlier_claim_id": before["id"] if before else None,
                    "earlier_first_seen": before["first_seen"] if before else None,
                    "first_seen": claim["first_seen"],
                    "outlet": claim["outlet"],
                    "url": claim["url"],
                }
            )
    return changes


def unquoted(content: str) -> str:
    """A quote's words without the quotation marks the page put around them."""
    return content.strip().strip("\"“”'‘’").strip()


def claim_words(claim: dict[str, Any]) -> dict[str, str]:
    """A report claim's parts as the renderers show them (plain text, unescaped). The
    earlier claim an update or corroboration refers to is shown by its speaker, words
    and date: claim ids mean nothing to a reader."""
    words = unquoted(claim["content"])
    # a whole quote gets its marks back; a content that quotes in part keeps its own
    whole = claim["quote"] and not any(mark in words for mark in '“”"')
    said = f"“{words}”" if whole else claim["content"]
    if not said.endswith((".", "!", "?", ".”", "?”", "!”")):
        said += "."
    first = claim.get("first_published") or {}
    first_seen_at = claim["first_outlet"]
    return {
        "speaker": speaker_label(claim["speaker"]),
        "cue": claim["cue"],
        "said": said,
        "figures": f"Figures: {'; '.join(claim['figures'])}." if claim["figures"] else "",
        "first_published": first.get("outlet") or first_seen_at,
        "first_published_url": first.get("url") or claim["first_url"],
        "first_seen_elsewhere": ""
        if first.get("outlet", first_seen_at) == first_seen_at
        else first_seen_at,
        "repeated_by": ", ".join(sorted({r["outlet"] for r in claim["repeated_by"]})),
        "relation": _relation_words(claim),
    }


RELATION_WORDS = {"update": "Updates", "corroboration": "Corroborates"}


def _relation_words(claim: dict[str, Any]) -> str:
    earlier = claim.get("earlier")
    if not claim["relation"] or not earlier:
        return ""
    words = unquoted(earlier["content"])
    if len(words) > 120:
        words = words[:117].rstrip() + "…"
    verb = RELATION_WORDS.get(claim["relation"], claim["relation"].capitalize())
    day = str(earlier["first_seen"])[:10]
    return f"{verb} {speaker_label(earlier['speaker'])} ({earlier['cue']}, {day}): “{words}”"


def for_reading(report: dict[str, Any]) -> dict[str, Any]:
    """The report as the Markdown and HTML show it: stories widest spread first, each
    list cut to SHOWN, with `more` counting what was left for the JSON file."""
    stories = sorted(report["new_stories"], key=lambda s: (-len(s["carried_by"]), s["cluster_id"]))
    spread = sorted(
        report.get("stories_spread", []), key=lambda s: (-_new_copies(s), s["cluster_id"])
    )
    groups = report["claims"][: SHOWN["claim_groups"]]
    cut = [{**g, "claims": g["claims"][: SHOWN["claims_per_story"]]} for g in groups]
    shown_claims = sum(len(g["claims"]) for g in cut)
    return {
        **report,
        "new_stories": stories[: SHOWN["new_stories"]],
        "stories_spread": spread[: SHOWN["new_stories"]],
        "updated_articles": report["updated_articles"][: SHOWN["updated_articles"]],
        "claims": cut,
        "more": {
            "new_stories": max(0, len(stories) - SHOWN["new_stories"]),
            "stories_spread": max(0, len(spread) - SHOWN["new_stories"]),
            "updated_articles": max(0, len(report["updated_articles"]) - SHOWN["updated_articles"]),
            "claims": sum(len(g["claims"]) for g in report["claims"]) - shown_claims,
        },
    }


def _new_copies(story: dict[str, Any]) -> int:
    return sum(1 for member in story["carried_by"] if member.get("new"))


# The numbers that say something happened that day (otherwise: "Nothing new").
NEWS = ("new_articles", "stories_spread", "updated_articles", "new_claims")


def anything_new(report: dict[str, Any]) -> bool:
    return any(report["numbers"][key] for key in NEWS)


MORE_LABELS = {
    "new_stories": "new stories",
    "stories_spread": "stories picked up by more outlets",
    "updated_articles": "updated articles",
    "claims": "new claims",
}
