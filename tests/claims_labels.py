"""Hand-labelled claims of the demo story: the five seed documents (newsroom/data, copies
of ../shared/seeds), the newsroom's own update of the AJP story and its unrelated
articles. Written by the wirewatch authors by reading each sentence, not by copying the
extractor's output; tests/test_claims_labels.py scores the extractor against them.

A label names its sentence by a snippet of it, and gives:
- speaker: who made the claim, as the text names them; our speaker must contain it
  ("Budanov" in "Kyiv's military intelligence chief Kyrylo Budanov");
- cue: the reporting words, as the extractor folds them;
- content: how the content starts (quotation marks aside);
- figures: every exact figure of the sentence, (value, unit, scope) (see
  claims.quantities.Scope); magnitudes such as "several thousand" are not figures;
- main: a claim the story turns on (the digest must have it with the right speaker);
- quote_part: a sentence of a quote whose speaker another sentence names.

NOT_CLAIMS are sentences with a reporting verb but no speaker in our sense (a person,
an office, an organisation or an outlet): no claim may be found in them.
REVISIONS are the only true figure revisions in the demo: (speaker key, old value,
new value, unit).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Label:
    doc: str
    sentence: str
    speaker: str
    cue: str
    content: str
    figures: tuple[tuple[float, str, str], ...] = ()
    main: bool = True
    quote_part: bool = False


S0, S1, S2, S3, S4 = "seed_000", "seed_001", "seed_002", "seed_003", "seed_004"
AJP_UPDATE = "ajp_update"  # the sentence the newsroom adds to the AJP story on day 3

LABELS = (
    # seed 000: The Korea Herald
    Label(S0, "These are proof that North Korea", "Choo Kyung-ho", "told",
          "These are proof that North Korea"),
    Label(S0, "Choo called for bipartisan support", "Choo", "called for",
          "bipartisan support", main=False),
    Label(S0, "Rep. Han Ji-ah, floor spokesperson", "Han Ji-ah", "noted",
          "North Korea’s decision opens the door", main=False),
    Label(S0, "transported from Oct. 8-13 via seven", "National Intelligence Service", "noted",
          "these soldiers were transported", ((7.0, "vessels", ""),)),
    Label(S0, "over 8 million units of ammunition", "NIS", "claimed",
          "over 8 million units of ammunition", ((8_000_000.0, "units", "sent"),)),
    Label(S0, "Budanov believed more than 11,000", "Budanov", "believed",
          "more than 11,000 North Korean soldiers", ((11_000.0, "troops", "planned"),)),
    Label(S0, "Lloyd Austin told reporters Saturday", "Lloyd Austin", "told",
          "he could not immediately confirm"),
    Label(S0, "I can’t confirm those reports at this point", "Austin", "said",
          "I can’t confirm those reports"),
    Label(S0, "We know that (Putin) continues", "Austin", "said",
          "We know that (Putin) continues", ((350_000.0, "people", "casualties"),), main=False),
    Label(S0, "Mark Rutte said during a joint press", "Mark Rutte", "said",
          "North Korea’s support in Russia"),
    Label(S0, "an estimated 10,000 North Korean soldiers", "Zelenskyy", "commented",
          "North Korea “sent tactical personnel", ((10_000.0, "troops", ""),)),
    Label(S0, "Matthew Miller said Wednesday", "Matthew Miller", "said",
          "Washington “continue(s) to have great concerns", main=False),
    # seed 001: AJP
    Label(S1, "confirmed that North Korea has decided to dispatch", "National Intelligence Service",
          "confirmed", "North Korea has decided to dispatch",
          ((12_000.0, "troops", "planned"),)),
    Label(S1, "According to the spy agency here", "spy agency", "according to",
          "Pyongyang began deploying special forces", ((1_500.0, "troops", "first_batch"),)),
    Label(S1, "Lloyd Austin said that he cannot verify", "Lloyd Austin", "said",
          "he cannot verify the reports"),
    Label(S1, "Choe Son-hui", "Choe Son-hui", "condemned",
          "a U.S.-led new international sanctions monitoring group", main=False),
    # seed 002: bne IntelliNews
    Label(S2, "We received this video from our own sources", "Solovey", "said",
          "We received this video from our own sources", quote_part=True),
    Label(S2, "We cannot provide additional verification", "Solovey", "said",
          "We cannot provide additional verification"),
    Label(S2, "claims made by Kyrylo Budanov", "Budanov", "claims",
          "around 11,000 North Korean infantrymen", ((11_000.0, "troops", "sent"),)),
    Label(S2, "Budanov stated that at least 2,600", "Budanov", "stated",
          "at least 2,600 of these troops", ((2_600.0, "troops", "part"),)),
    Label(S2, "The emergence of any number of new soldiers", "Solovey", "told",
          "The emergence of any number of new soldiers"),
    Label(S2, "The dissemination of this video is important", "Solovey", "told",
          "The dissemination of this video", ((2.0, "countries", ""),), main=False,
          quote_part=True),
    Label(S2, "Pat Ryder declined to confirm", "Pat Ryder", "declined to confirm",
          "Ukraine’s intelligence"),
    # seed 003: World Desk
    Label(S3, "South Korean and Ukrainian officials said this week", "officials", "said",
          "North Korean soldiers are supporting Russian troops"),
    Label(S3, "several thousand” North Korean infantry", "official", "said",
          "“several thousand” North Korean infantry"),
    Label(S3, "Kremlin spokesman Dmitry Peskov", "Peskov", "dismissed",
          "claims of Pyongyang sending military personnel"),
    Label(S3, "Both North Korea and Russia have denied", "North Korea and Russia", "denied",
          "the allegations"),
    Label(S3, "highly likely", "Kim Yong-hyun", "called", "the reports of North Korean troops"),
    Label(S3, "posted on Telegram later on Tuesday", "Kovalenko", "saying",
          "Pyongyang had already sent troops"),
    Label(S3, "sent about 150 new laborers", "Daily NK", "reported",
          "Pyongyang sent about 150 new laborers", ((150.0, "laborers", "sent"),), main=False),
    # seed 004: Frontier Wire
    Label(S4, "is now sending soldiers to fight alongside", "NIS", "claimed",
          "North Korea is now sending soldiers"),
    Label(S4, "around 10,000 North Korean soldiers might soon", "Zelenskyy", "indicated",
          "based on intelligence reports", ((10_000.0, "troops", "planned"),)),
    Label(S4, "approximately 1,500 North Korean troops have already arrived", "NIS",
          "according to", "approximately 1,500 North Korean troops",
          ((1_500.0, "troops", "sent"), (12_000.0, "troops", "planned"))),
    Label(S4, "11,000 North Korean infantry troops are currently training",
          "Ukrainian intelligence", "indicated", "11,000 North Korean infantry troops",
          ((11_000.0, "troops", "sent"),)),
    Label(S4, "where he described Putin", "Kim", "described", "Putin as his “closest comrade”",
          main=False),
    Label(S4, "the Kremlin has denied reports", "Kremlin", "denied",
          "reports of North Korean soldiers fighting in Ukraine"),
    Label(S4, "the Kremlin has denied reports", "Peskov", "dismissing",
          "the allegations as “fake news,”"),
    # the newsroom's update of the AJP story (day 3)
    Label(AJP_UPDATE, "about 3,000 North Korean troops had now been sent", "NIS", "said",
          "about 3,000 North Korean troops",
          ((3_000.0, "troops", "sent"), (1_500.0, "troops", ""))),
    # the newsroom's unrelated articles (newsroom/data/noise.json)
    Label("noise:balloons", "floated another wave of balloons", "military", "said",
          "North Korea floated another wave", main=False),
    Label("noise:museum-reopens", "half a million visitors", "museum", "expects",
          "half a million visitors", ((500_000.0, "visitors", "planned"),), main=False),
    Label("noise:typhoon-warning", "urged residents near rivers", "Local authorities", "urged",
          "residents near rivers", main=False),
    Label("noise:chip-earnings", "capital spending would rise", "Executives", "told",
          "capital spending would rise", main=False),
)  # fmt: skip

NOT_CLAIMS = (
    (S1, "Fresh evidence suggests"),  # evidence, and a dateline before it
    (S1, "The footage, shot at a training ground"),  # footage
    (S4, "Aerial photographs reportedly show"),  # photographs
    ("noise:typhoon-warning", "issued a typhoon warning"),  # a warning issued, not said
    ("noise:rail-strike", "called off a strike"),  # "called off"
)

# The true figure revisions of the demo story: the NIS's count of troops sent rose from
# 1,500 to about 3,000 (the newsroom's update of the AJP story says so itself).
REVISIONS = {("nis", 1_500.0, 3_000.0, "troops")}
