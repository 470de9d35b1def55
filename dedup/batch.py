"""Batch clustering of a whole corpus: templates learned over every document first,
then the documents clustered in input order."""

from __future__ import annotations

from collections.abc import Sequence

from dedup.cluster import DEFAULT_CONFIG, DedupConfig, Edge, Role, StoryClusters
from dedup.state import Document
from dedup.templates import TemplateLines


def cluster_documents(
    docs: Sequence[Document], config: DedupConfig = DEFAULT_CONFIG
) -> tuple[dict[str, tuple[str, Role]], list[Edge]]:
    """Cluster a complete set of documents: key -> (cluster label, role), and edges."""
    templates = TemplateLines()
    for doc in docs:
        templates.learn(doc.outlet, doc.url or doc.key, doc.text)
    clusters = StoryClusters(config, templates=templates)
    clusters.add_all(docs)
    return clusters.assignments(), clusters.edges()
