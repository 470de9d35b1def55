"""A speaker's figure, changed ("NIS: 1,500 → about 3,000 troops"), as the digest and
the alerts both say it: one definition, so that an alert never says a figure changed
where the digest does not, nor the other way round."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from claims.matching import changed_figures


@dataclass(frozen=True, slots=True)
class FigureChange:
    speaker: str  # as shown (speaker_label)
    unit: str
    before: dict[str, Any]  # {"value", "qualifier"}
    after: dict[str, Any]

    @property
    def summary(self) -> str:
        return f"{self.speaker}: {figure_text(self.before)} → {figure_text(self.after)} {self.unit}"


def figure_changes(
    speaker: str,
    sentence: str,
    quantities: list[dict[str, Any]],
    earlier: tuple[str, list[dict[str, Any]]] | None,
) -> list[FigureChange]:
    """The figures a claim (an update of the `earlier` claim's sentence and quantities,
    if any) changes: what its sentence states itself, else each figure counting what
    the earlier claim counted with another value (claims.matching.changed_figures)."""
    label = speaker_label(speaker)
    return [
        FigureChange(label, new["unit"], _figure(old), _figure(new))
        for old, new in changed_figures(sentence, quantities, earlier)
    ]


def speaker_label(speaker: str) -> str:
    """A short name for a speaker: the acronym it gives in brackets, else itself."""
    if speaker.endswith(")") and "(" in speaker:
        inner = speaker[speaker.rindex("(") + 1 : -1].strip()
        if inner:
            return inner
    return speaker


def figure_text(figure: dict[str, Any]) -> str:
    value = figure["value"]
    number = f"{int(value):,}" if float(value).is_integer() else f"{value:,}"
    return f"{figure['qualifier']} {number}".strip()


def _figure(quantity: dict[str, Any]) -> dict[str, Any]:
    return {"value": quantity["value"], "qualifier": quantity["qualifier"]}
