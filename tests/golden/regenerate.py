"""Copy the golden pages from ../shared/corpus and write their expectations.

Run from the repository root: python tests/golden/regenerate.py
The expectations come from the corpus manifest (the benchmark's ground truth), never
from wirewatch's own output, so the golden tests can fail.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPUS = HERE.parents[1].parent / "shared" / "corpus"
PAGES = [
    "aeb/42aad16bde928862",  # Al Jazeera (en)
    "aeb/82b6d780c792df78",  # AP via hosted.ap.org (en), a wire story
    "aeb/0ec95c7261d122f3",  # entermedia.co.kr (ko)
    "aeb/14cc2a0ca59c62a8",  # ScienceAlert (en)
    "fundus/de_DW_2023_04_28",  # Deutsche Welle (de), with authors and date
    "fundus/at_ORF_2024_11_22",  # ORF (de)
]
KEEP = (
    "id",
    "source",
    "source_repo",
    "source_commit",
    "license",
    "url",
    "title",
    "language",
    "ground_truth_text",
    "ground_truth_kind",
    "publishing_date",
    "authors",
)


def main() -> None:
    manifest = {r["id"]: r for r in map(json.loads, (CORPUS / "manifest.jsonl").open())}
    for page_id in PAGES:
        record = manifest[page_id]
        name = page_id.replace("/", "__")
        shutil.copyfile(CORPUS / record["file"], HERE / f"{name}.html.gz")
        expected = {key: record.get(key) for key in KEEP if record.get(key) is not None}
        (HERE / f"{name}.json").write_text(
            json.dumps(expected, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
        print("wrote", name)


if __name__ == "__main__":
    main()
