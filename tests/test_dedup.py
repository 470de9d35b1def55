"""Story clustering: the newsroom story, real duplicates from the corpus, determinism,
the evaluation set's quality targets, and the batch command."""

from __future__ import annotations

import gzip
import json
import random
from pathlib import Path

import pytest
from click.testing import CliRunner

from dedup.batch import cluster_documents
from dedup.cluster import DEFAULT_CONFIG, DedupConfig, Role, StoryClusters
from dedup.credits import credited_names, names_match
from dedup.state import Document
from dedup.templates import TemplateLines
from newsroom.stories import OUTLETS, build_catalogue
from pages.extraction import extract_article
from tests import dedup_eval
from wirewatch.cli import main

PAGES = Path(__file__).parent / "dedup_pages"
NAMES = {o.key: o.name for o in OUTLETS}
KH = "koreaherald/evidence-points-to-north-korea-troop-deployment"


def newsroom_documents() -> list[Document]:
    return [
        Document(f"{s.outlet}/{s.slug}", "\n".join([*s.paragraphs, s.credit]),
                 url=f"http://{s.outlet}.test/news/{s.slug}", outlet=f"{s.outlet}.test",
                 site_name=NAMES[s.outlet], published=s.published)
        for s in build_catalogue().stories
    ]  # fmt: skip


def test_newsroom_story_and_its_copies_form_one_cluster() -> None:
    assignments, _ = cluster_documents(newsroom_documents())
    cluster = sorted(k for k, (label, _) in assignments.items() if label == KH)
    assert cluster == [
        "ann/seoul-kyiv-north-korean-troops-russia", KH,
        "phnompenhpost/evidence-points-to-north-korea-s-looming-troop-deployment",
        "straits/north-korean-troops-far-east",
    ]  # fmt: skip
    assert assignments[KH][1] is Role.ORIGIN
    assert assignments["straits/north-korean-troops-far-east"][1] is Role.SYNDICATED
    # the Frontier Wire story has its own copy; the other seed stories, on the same
    # events but in their own words, stay apart
    frontier = "frontierwire/north-korea-sending-soldiers-russia-nis"
    copy = "straits/seoul-spy-agency-north-korea-soldiers-russia"
    assert assignments[copy] == (frontier, Role.SYNDICATED)
    others = {label for key, (label, _) in assignments.items() if key != KH and label != KH}
    assert len(others) == len(assignments) - 4 - 1


def test_clusters_do_not_depend_on_arrival_order() -> None:
    docs = newsroom_documents()
    results = set()
    for seed in range(6):
        random.Random(seed).shuffle(docs)
        clusters = StoryClusters()
        clusters.add_all(docs)
        results.add(tuple(sorted(clusters.assignments().items())))
    assert len(results) == 1


def test_credit_lines() -> None:
    assert credited_names("text\n_Asia News Network/The Korean Herald_") == [
        "Asia News Network", "The Korean Herald"]  # fmt: skip
    assert credited_names("SEOUL (AP) — North Korea said") == ["AP"]
    assert credited_names("This article was first published by The Korea Herald, a member") == [
        "The Korea Herald"
    ]
    assert names_match("The Korean Herald", "The Korea Herald")
    assert not names_match("Korea Times", "The Korea Herald")


def _page_documents() -> dict[str, Document]:
    docs = {}
    for page in json.loads((PAGES / "pages.json").read_text(encoding="utf-8")):
        html = gzip.decompress((PAGES / page["file"]).read_bytes())
        article = extract_article(html, page["url"], "text/html; charset=utf-8")
        assert article is not None
        docs[page["id"]] = Document(page["id"], article.text, url=page["url"],
                                    outlet=page["host"], site_name=article.site_name,
                                    published=article.published)  # fmt: skip
    return docs


def test_real_duplicates_from_the_corpus() -> None:
    docs = _page_documents()
    assignments, _ = cluster_documents(list(docs.values()))
    efe = ("traf_eval/7883c287_24horas.cl-segundo", "traf_eval/ee6b2f1b_cooperativa.cl-presidente")
    mnt = ("readability/medicalnewstoday", "traf_eval/49d63735_medicalnewstoday.com.318674")
    assert assignments[efe[0]][0] == assignments[efe[1]][0]
    assert assignments[mnt[0]][0] == assignments[mnt[1]][0]
    assert assignments[efe[0]][0] != assignments[mnt[0]][0]


@pytest.mark.skipif(
    not (dedup_eval.CORPUS / "manifest.jsonl").exists(),
    reason="../shared/corpus is absent (third-party evaluation data)",
)
def test_quality_targets_on_the_evaluation_set() -> None:
    scores = dedup_eval.score(dedup_eval.build(dedup_eval.load_stories()))
    assert scores.pair_precision >= 0.98, scores
    assert scores.recall_by_kind["edited"] >= 0.95, scores
    assert scores.recall_by_kind["truncated>=40"] >= 0.85, scores
    assert scores.boilerplate_merges == 0 and scores.boilerplate_links == 0, scores
    assert scores.ari >= 0.9, scores


@pytest.mark.skipif(
    not (dedup_eval.CORPUS / "manifest.jsonl").exists(),
    reason="../shared/corpus is absent (third-party evaluation data)",
)
def test_stricter_thresholds_lose_truncated_copies() -> None:
    """The evaluation can fail: demanding near-identity drops the truncated copies."""
    evalset = dedup_eval.build(dedup_eval.load_stories())
    strict = DedupConfig(same_jaccard=0.9, same_containment=0.95, partial_containment=0.9)
    assert dedup_eval.score(evalset, strict).recall_by_kind["truncated>=40"] < 0.85


def test_dedup_command(tmp_path: Path) -> None:
    lines = [json.dumps({"id": d.key, "text": d.text, "url": d.url, "site_name": d.site_name,
                         "published": d.published}) for d in newsroom_documents()]  # fmt: skip
    lines.insert(3, "{not json")
    lines.insert(5, json.dumps({"id": "no-text"}))
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    edges = tmp_path / "edges.jsonl"
    result = CliRunner().invoke(main, ["dedup", str(source), "--edges", str(edges)])
    assert result.exit_code == 1
    assert "in.jsonl:4: not JSON" in result.stderr and "in.jsonl:6:" in result.stderr
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["id"] for o in out] == [d.key for d in newsroom_documents()]
    by_id = {o["id"]: o for o in out}
    assert by_id["straits/north-korean-troops-far-east"] == {
        "id": "straits/north-korean-troops-far-east",
        "cluster": KH,
        "role": "syndicated",
    }
    assert edges.exists()


def test_dedup_command_extracts_html(tmp_path: Path) -> None:
    page = json.loads((PAGES / "pages.json").read_text())[0]
    html = gzip.decompress((PAGES / page["file"]).read_bytes()).decode("utf-8")
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps({"id": 1, "html": html, "url": page["url"]}) + "\n")
    result = CliRunner().invoke(main, ["dedup", str(source)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"id": 1, "cluster": 1, "role": "origin"}  # as given


def test_crawl_pipeline_and_batch_agree(newsroom: object, tmp_path: Path) -> None:
    """The clusters the crawl assigns are the ones `wirewatch dedup` finds for the same
    stored articles."""
    from tests.crawl_helpers import crawl, demo_watch_for, query

    db_url = f"sqlite:///{tmp_path / 'c.db'}"
    crawl(demo_watch_for(newsroom, tmp_path), db_url)  # type: ignore[arg-type]
    rows = query(
        db_url,
        "select a.id, a.canonical_url, a.site_name, a.published, v.text, "
        "m.cluster_id from articles a join article_versions v "
        "on v.article_id = a.id join cluster_members m on m.article_id = a.id",
    )
    docs = [Document(str(r[0]), r[4], url=r[1], outlet=r[1].split("/")[2], site_name=r[2],
                     published=r[3]) for r in rows]  # fmt: skip
    assignments, _ = cluster_documents(docs)
    by_batch: dict[str, set[str]] = {}
    by_crawl: dict[int, set[str]] = {}
    for row in rows:
        by_batch.setdefault(assignments[str(row[0])][0], set()).add(str(row[0]))
        by_crawl.setdefault(row[5], set()).add(str(row[0]))
    assert sorted(map(sorted, by_batch.values())) == sorted(map(sorted, by_crawl.values()))
    result = CliRunner().invoke(main, ["clusters", "list", "--db", db_url, "--format", "json"])
    assert result.exit_code == 0, (result.output, result.exception)
    stories = json.loads(result.output)
    assert len(stories) == 1 and stories[0]["size"] == 4
    assert stories[0]["origin_outlet"] == "The Korea Herald"
    shown = CliRunner().invoke(main, ["clusters", "show", str(stories[0]["id"]), "--db", db_url,
                                      "--format", "json"])  # fmt: skip
    members = json.loads(shown.output)["members"]
    assert {m["role"] for m in members} == {"origin", "syndicated"}
    assert min(m["similarity"] for m in members) > 0.5
    missing = CliRunner().invoke(main, ["clusters", "show", "999", "--db", db_url])
    assert missing.exit_code == 2 and "no cluster with id 999" in missing.output


def test_template_lines_stay_bounded_and_keep_recurring_boilerplate() -> None:
    templates = TemplateLines(max_lines=50, max_template_lines=3)
    for page in range(400):  # 400 pages of 5 story lines each, one boilerplate line
        story = "\n".join(f"story line {page}-{n} about the troops" for n in range(5))
        templates.learn("outlet.test", f"http://outlet.test/{page}", f"{story}\nFollow World news")
        if page < 100:  # a second outlet that falls silent; its boilerplate is kept
            templates.learn("quiet.test", f"http://quiet.test/{page}", f"{story}\nSubscribe")
    assert len(templates._recent) <= 50
    assert templates.is_template("outlet.test", "Follow World news")
    assert templates.is_template("quiet.test", "Subscribe")
    assert not templates.is_template("quiet.test", "Follow World news")  # another outlet's
    assert not templates.is_template("outlet.test", "story line 399-1 about the troops")
    for n in range(5):  # more template lines than an outlet keeps: the oldest go
        for page in range(3):
            templates.learn("outlet.test", f"http://outlet.test/t{n}-{page}", f"Menu item {n}")
    assert all(len(lines) <= 3 for lines in templates._template.values())
    assert templates.is_template("outlet.test", "Menu item 4")
    assert not templates.is_template("outlet.test", "Follow World news")


@pytest.mark.skipif(
    not (dedup_eval.CORPUS / "manifest.jsonl").exists(),
    reason="../shared/corpus is absent (third-party evaluation data)",
)
def test_the_edges_of_one_article_are_those_of_all_edges_that_name_it() -> None:
    evalset = dedup_eval.build(dedup_eval.load_stories())
    clusters = StoryClusters(DEFAULT_CONFIG)
    for position, doc in enumerate(evalset.docs):
        clusters.add(doc)
        if position % 40 == 39 or position == len(evalset.docs) - 1:  # as the set grows
            every = clusters.edges()
            for key in (d.key for d in evalset.docs[: position + 1]):
                assert clusters.edges_of(key) == [e for e in every if key in (e.source, e.target)]
    assert clusters.edges(), "the evaluation set has partial copies"


def test_a_copy_that_states_only_its_day_is_not_put_before_a_timed_original() -> None:
    """Two copies of one story published the same day: the one whose page gives 10:00 UTC
    is the origin, not the one that gives only the day (which read as midnight)."""
    text = " ".join(
        f"Sentence {n} about North Korean troops arriving in Russia." for n in range(40)
    )
    timed = Document(key="timed", text=text, url="http://a.test/x", outlet="a.test",
                     published="2024-10-21T12:00:00+02:00",
                     first_seen="2024-10-21T13:00:00")  # fmt: skip
    day_only = Document(key="day", text=text, url="http://b.test/x", outlet="b.test",
                        published="2024-10-21", first_seen="2024-10-21T11:00:00")  # fmt: skip
    for order in ([timed, day_only], [day_only, timed]):
        assignments, _ = cluster_documents(order)
        assert assignments["timed"] == ("timed", Role.ORIGIN), order
        assert assignments["day"][0] == "timed"
