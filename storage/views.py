"""SQL views for the questions people ask of the database most, in plain SQL that
both engines run (see docs/schema.md for what each column means)."""

from __future__ import annotations

from sqlalchemy import Connection

from storage.dialect import create_view_statement

VIEWS = {
    # one row per live story: its origin, size, outlets and when it spread
    "cluster_summary": """
SELECT c.id AS cluster_id,
       o.title AS origin_title,
       coalesce(o.site_name, o.outlet) AS origin_outlet,
       o.canonical_url AS origin_url,
       o.published AS origin_published,
       c.size,
       count(DISTINCT m_a.outlet) AS outlets,
       min(m_a.first_seen) AS first_seen,
       max(m_a.first_seen) AS last_joined
FROM story_clusters c
LEFT JOIN articles o ON o.id = c.origin_article_id
JOIN cluster_members m ON m.cluster_id = c.id
JOIN articles m_a ON m_a.id = m.article_id
WHERE c.merged_into IS NULL
GROUP BY c.id, o.title, o.site_name, o.outlet, o.canonical_url, o.published, c.size
""",
    # every claim, with where it was first seen and how far it travelled
    "claim_timeline": """
SELECT cl.id AS claim_id,
       cl.first_seen,
       w.name AS watch,
       cl.cluster_id,
       cl.speaker,
       cl.cue,
       cl.content,
       cl.quote,
       cl.quantities,
       cl.relation,
       cl.related_claim_id,
       coalesce(a.site_name, a.outlet) AS first_outlet,
       a.title AS first_title,
       a.canonical_url AS first_url,
       (SELECT count(DISTINCT cm.article_id) FROM claim_mentions cm
        WHERE cm.claim_id = cl.id) AS articles
FROM claims cl
JOIN articles a ON a.id = cl.first_article_id
LEFT JOIN watches w ON w.id = cl.watch_id
""",
    # each article with its current text
    "article_current": """
SELECT a.id AS article_id,
       coalesce(a.site_name, a.outlet) AS outlet,
       a.title,
       a.canonical_url AS url,
       a.published,
       a.first_seen,
       a.last_seen,
       a.status,
       (SELECT count(*) FROM article_versions n WHERE n.article_id = a.id) AS versions,
       v.word_count,
       v.text
FROM articles a
JOIN article_versions v
  ON v.id = (SELECT max(l.id) FROM article_versions l WHERE l.article_id = a.id)
""",
}


def install(connection: Connection) -> None:
    for name, select in VIEWS.items():
        connection.exec_driver_sql(create_view_statement(connection.engine, name, select.strip()))
