"""What the newsroom publishes, day by day: a registry of outlets and stories.

The five seed documents (shared/seeds, copied into data/) appear on their own
outlets with their own credits. Seeds 003 and 004 do not name their outlet or
headline in the text, so the newsroom gives them invented ones ("World Desk",
"Frontier Wire"). Syndicated copies of the Korea Herald story (seed 000) appear
under other mastheads, one of them truncated. Noise articles are original text.
Day-to-day changes (an update with a new figure, a take-down) are newsroom fiction
modelled on how the story developed (the NIS raised its figure to 3,000 on Oct 23).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

# The newsroom's calendar: day N is an edition on this date (not always consecutive:
# the Phnom Penh Post republished the Korea Herald story a week later).
DAYS = ("2024-10-20", "2024-10-21", "2024-10-22", "2024-10-23", "2024-10-29")


@dataclass(frozen=True, slots=True)
class Outlet:
    key: str
    name: str
    octet: int  # served on 127.0.0.<octet>
    language: str = "en"


OUTLETS = (
    Outlet("koreaherald", "The Korea Herald", 11),
    Outlet("ajp", "AJP", 12),
    Outlet("bne", "bne IntelliNews", 13),
    Outlet("worlddesk", "World Desk", 14),
    Outlet("frontierwire", "Frontier Wire", 15),
    Outlet("phnompenhpost", "The Phnom Penh Post", 16),
    Outlet("ann", "Asia News Network", 17),
    Outlet("straits", "Straits Observer", 18),
    Outlet("edge", "Edge Cases Daily", 19),
    Outlet("realpages", "World Press Review", 20),  # real pages (newsroom/real.py)
)


@dataclass(frozen=True, slots=True)
class Story:
    """One article page: its text per day (versions) and when it is visible."""

    outlet: str
    slug: str
    title: str
    published: str  # ISO datetime
    day: int  # first day it is online
    paragraphs: tuple[str, ...]
    section: str = "world"
    byline: str = ""
    credit: str = ""
    caption: str = ""
    tags: tuple[str, ...] = ()
    # later versions: day -> paragraphs
    updates: tuple[tuple[int, tuple[str, ...]], ...] = ()
    taken_down_day: int | None = None
    # in-article links: (anchor text, target "outlet/slug" or a path on this outlet)
    inline_links: tuple[tuple[str, str], ...] = ()
    # extra related-block links: (anchor text, target)
    related: tuple[tuple[str, str], ...] = ()
    # widgets that leak into naive extraction, rendered as page chrome
    widgets: tuple[str, ...] = ()
    subheads: dict[int, str] = field(default_factory=dict)  # paragraph index -> h2

    def paragraphs_on(self, day: int) -> tuple[str, ...]:
        text = self.paragraphs
        for update_day, paragraphs in self.updates:
            if day >= update_day:
                text = paragraphs
        return text

    def modified_on(self, day: int) -> str:
        changed = [d for d, _ in self.updates if d <= day]
        if not changed:
            return self.published
        return f"{DAYS[max(changed)]}T09:00:00+00:00"

    def visible_on(self, day: int) -> bool:
        return self.day <= day and (self.taken_down_day is None or day < self.taken_down_day)

    def gone_on(self, day: int) -> bool:
        return self.taken_down_day is not None and day >= self.taken_down_day


def _seed(name: str) -> str:
    return resources.files("newsroom").joinpath("data", name).read_text(encoding="utf-8")


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _kh_story() -> tuple[str, str, list[str], str]:
    """Seed 000: front matter, markdown headline, image, caption, body, credit."""
    _, front, body = _seed("seed_000.txt").split("---", 2)
    title = re.search(r'^title: "(.*)"$', front, re.M)
    assert title is not None
    lines = [ln for ln in _lines(body) if not ln.startswith(("#", "!["))]
    caption, *paragraphs, credit = lines
    return title.group(1), caption, paragraphs, credit.strip("_")


def seed_stories() -> list[Story]:
    kh_title, kh_caption, kh_body, kh_credit = _kh_story()
    ajp = _lines(_seed("seed_001.txt"))
    ajp_title, _byline, ajp_caption, *ajp_rest = ajp
    ajp_body = [
        p for p in ajp_rest[:-2] if not p.startswith("Russian President Vladimir Putin (left)")
    ]
    ajp_update = [*ajp_body]
    ajp_update.insert(
        6,
        "South Korea's National Intelligence Service (NIS) said on Wednesday that about "
        "3,000 North Korean troops had now been sent to Russia, up from 1,500 last week.",
    )
    bne = _lines(_seed("seed_002.txt"))
    bne_title, _, bne_caption, _bne_byline, *bne_rest = bne
    bne_body = bne_rest[:-2]  # "News" / "Dismiss" are UI strings
    wd = _lines(_seed("seed_003.txt"))
    wd_body = [p for p in wd[: len(wd) // 2] if p not in {"🌎", "Follow World news"}]
    fw = _lines(_seed("seed_004.txt"))
    fw_subheads = {i: p for i, p in enumerate(fw) if len(p.split()) < 8 and not p.endswith(".")}
    fw_body = [p for p in fw if p not in fw_subheads.values() and not p.startswith("ALSO READ")]
    fw_heads = {}
    body_index = 0
    for line in fw:
        if line in fw_subheads.values():
            fw_heads[body_index] = line
        elif not line.startswith("ALSO READ"):
            body_index += 1
    keywords = ("North Korea", "Russia", "Ukraine")
    return [
        Story(
            "ajp",
            "north-korea-troop-deployment-new-evidence",
            ajp_title,
            "2024-10-20T12:29:00+09:00",
            0,
            tuple(ajp_body),
            byline="AJP",
            caption=ajp_caption,
            tags=keywords,
            updates=((3, tuple(ajp_update)),),
            widgets=("기사 이미지 확대 보기", "닫기"),
        ),
        Story(
            "koreaherald",
            "evidence-points-to-north-korea-troop-deployment",
            "Evidence points to N. Korea's looming troop deployment in Ukraine war",
            "2024-10-21T11:22:00+09:00",
            1,
            tuple(kh_body),
            byline="The Korea Herald",
            caption=kh_caption,
            tags=keywords,
        ),
        Story(
            "ann",
            "seoul-kyiv-north-korean-troops-russia",
            "Seoul and Kyiv say evidence mounts of North Korean troops in Russia",
            "2024-10-21T18:00:00+07:00",
            1,
            (
                "This article was first published by The Korea Herald, a member of "
                "Asia News Network, and is republished with permission.",
                *kh_body,
            ),
            byline="Asia News Network",
            credit="The Korea Herald/Asia News Network",
            tags=keywords,
        ),
        Story(
            "bne",
            "north-korean-troops-seen-in-russia",
            bne_title,
            "2024-10-22T10:00:00+00:00",
            2,
            tuple(bne_body),
            byline="bne IntelliNews",
            caption=bne_caption,
            tags=keywords,
            inline_links=(
                (
                    "Straits Observer: North Korean troops in Russia's Far East",
                    "straits/north-korean-troops-far-east",
                ),
            ),
            related=(
                ("North Korea troop briefing (subscribers)", "/private/north-korea-briefing"),
                ("North Korea troops: deleted story", "/news/north-korea-deleted-story"),
            ),
        ),
        Story(
            "straits",
            "north-korean-troops-far-east",
            "N. Korean troops spotted in Russia's Far East, say Seoul and Kyiv",
            "2024-10-22T07:30:00+08:00",
            2,
            tuple(kh_body[: int(len(kh_body) * 0.6)]),
            byline="The Korea Herald",
            credit="The Korea Herald/Asia News Network",
            tags=keywords,
        ),
        Story(
            "frontierwire",
            "north-korea-sending-soldiers-russia-nis",
            "South Korea's spy agency says North Korea is sending soldiers to fight for Russia",
            "2024-10-23T08:00:00+05:00",
            3,
            tuple(fw_body),
            byline="Frontier Wire desk",
            tags=keywords,
            subheads=fw_heads,
            related=(
                (
                    "ALSO READ: Balochistan: 22 More Individuals Forcibly Disappeared "
                    "Bringing The Total To 56",
                    "/news/balochistan-disappearances",
                ),
            ),
        ),
        # newsroom fiction: the Frontier Wire story syndicated the same day, so that
        # the day the NIS figure changes also has a new story spreading across outlets
        Story(
            "straits",
            "seoul-spy-agency-north-korea-soldiers-russia",
            "Seoul spy agency: North Korea is sending soldiers to fight for Russia",
            "2024-10-23T15:30:00+08:00",
            3,
            (
                "This article was first published by Frontier Wire and is republished "
                "with permission.",
                *fw_body,
            ),
            byline="Frontier Wire",
            credit="Frontier Wire",
            tags=keywords,
        ),
        Story(
            "phnompenhpost",
            "evidence-points-to-north-korea-s-looming-troop-deployment",
            kh_title,
            "2024-10-29T08:08:23+00:00",
            4,
            tuple(kh_body),
            credit=kh_credit,
            caption=kh_caption,
            tags=keywords,
            # the Korea Herald's old-style URL, which redirects to the article
            inline_links=(
                ("The Korea Herald: North Korea troop deployment", "koreaherald/story/1001"),
            ),
            related=(
                (
                    "Asia News Network: Seoul and Kyiv on North Korean troops",
                    "ann/seoul-kyiv-north-korean-troops-russia",
                ),
            ),
        ),
        Story(
            "worlddesk",
            "north-korean-soldiers-supporting-russian-troops",
            "North Korean soldiers are supporting Russian troops, officials say",
            "2024-10-24T06:00:00+00:00",
            4,
            tuple(wd_body),
            byline="World Desk staff",
            tags=keywords,
            widgets=("🌎", "Follow World news"),
        ),
    ]


@cache
def _noise() -> dict[str, object]:
    return json.loads(_seed("noise.json"))


def noise_stories() -> list[Story]:
    """Unrelated articles, spread over the outlets and days; one is taken down on day 3."""
    articles = _noise()["articles"]
    assert isinstance(articles, list)
    placements = [
        ("koreaherald", 0, None),
        ("ajp", 0, 3),
        ("bne", 1, None),
        ("worlddesk", 1, None),
        ("straits", 2, None),
        ("frontierwire", 2, None),
        ("koreaherald", 1, None),
    ]
    stories = []
    for article, (outlet, day, gone) in zip(articles, placements, strict=True):
        stories.append(
            Story(
                outlet,
                article["key"],
                article["title"],
                f"{DAYS[day]}T07:00:00+00:00",
                day,
                tuple(article["paragraphs"]),
                section=article["section"],
                byline=f"{outlet.title()} reporter",
                taken_down_day=gone,
            )
        )
    return stories


def edge_texts() -> dict[str, object]:
    edge = _noise()["edge"]
    assert isinstance(edge, dict)
    return edge


@dataclass(frozen=True)
class Catalogue:
    stories: tuple[Story, ...]

    def by_outlet(self, outlet: str) -> list[Story]:
        return [s for s in self.stories if s.outlet == outlet]

    def find(self, outlet: str, slug: str) -> Story | None:
        for story in self.stories:
            if story.outlet == outlet and story.slug == slug:
                return story
        return None


@cache
def build_catalogue() -> Catalogue:
    return Catalogue(tuple(seed_stories() + noise_stories()))
