"""Attributed statements in news text: who said what, with which figures.

A light rule-based extractor (no models to download, thousands of sentences per
second). It finds a reporting cue ("said", "told", "denied", "according to", ...)
and the speaker in one of the three shapes news copy uses:

    The NIS said (that) ...                 speaker before the cue
    "...," said Dmitry Peskov, ...          speaker after the cue
    ..., according to the NIS.              "according to" + speaker

It prefers missing a claim to inventing one: a cue only counts when a plausible
speaker stands in the right place (measured on PolNeAR: tests/claims_eval.py).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from typing import Any

from claims.quantities import Quantity, find_quantities
from claims.sentences import ABBREVIATIONS, Sentence, split_sentences

# Reporting verbs, chosen from the seed documents and from the cues annotated in
# PolNeAR's dev split (the only split we have, so its scores are not held-out
# figures). Every cue needs a plausible speaker in place before it counts.
CUE_VERBS = (
    "said says say told tells tell claimed claims claim confirmed confirms confirm denied "
    "denies deny estimated estimates estimate stated states added adds noted notes "
    "announced announces warned warns argued argues insisted insists explained explains "
    "wrote writes acknowledged acknowledges admitted admits asserted asserts alleged "
    "alleges suggested suggests revealed reveals disclosed indicated indicates predicted "
    "predicts believes believed believe thinks thought think reported reports tweeted "
    "declared declares stressed emphasized maintained maintains contended concluded "
    "testified responded replied commented recalled urged promised vowed pledged accused "
    "charged countered cautioned conceded agreed disagreed questioned signaled signalled "
    "hinted dismissed rejected asked wondered acknowledged expects expected hopes hoped "
    "fears feared knows knew learned called found cited described criticized criticised "
    "attacked asked continued wants wanted plans planned urges mentioned showed show "
    "shows decided blasted condemned praised defended arguing saying telling insisting "
    "noting adding warning claiming suggesting calling promising asks seemed seems hope "
    "fear doubt doubts doubted acknowledging admitting charges announce argue insist "
    "suggest stating dismissing denying rejecting confirming describing accusing "
    "explaining stressing announcing "
    # stances PolNeAR annotates as attributions, each checked on its dev split to add
    # claims without lowering precision (python -m tests.claims_eval)
    "demanded demands demanding endorsed endorses likened questioning encouraging offered "
    "threatened proposed ruled opposed worried urging citing asserting criticizing "
    "slamming defending mocking observed echoed echo joked hammers complained reiterated"
).split()
_CUE_SET = frozenset(CUE_VERBS)
# Multi-word cues, matched before single verbs.
_PHRASE_CUES = (
    "according to", "pointed out", "pointed to", "made clear", "has learned", "have learned",
    "called for", "called on", "put it", "spoke of",
)  # fmt: skip
# Three-word cues: a refusal to confirm is a statement too ("declined to confirm ...").
_PHRASE_CUES_3 = frozenset(
    f"{verb} to {what}" for verb in ("declined", "declines", "refused", "refuses")
    for what in ("confirm", "comment", "say", "deny", "discuss", "verify")
)  # fmt: skip
# Words that may stand between a speaker and its cue ("X also said", "X has denied").
_BETWEEN = frozenset(
    "also later previously has have had earlier further then reportedly separately "
    "recently again repeatedly publicly privately would will could did does do not never "
    "once already still initially first subsequently flatly immediately himself herself "
    "themselves doesn't didn't don't haven't hasn't won't wouldn't can't couldn't isn't "
    "doesn’t didn’t don’t haven’t hasn’t won’t wouldn’t can’t couldn’t isn’t even".split()
)
# Time phrases between a speaker and its cue ("Peskov on Thursday dismissed ...").
_TIME = re.compile(
    r"(?:\s*,?\s*(?:on|last|this|early|late|earlier)?\s*(?:monday|tuesday|wednesday|"
    r"thursday|friday|saturday|sunday|week|month|year|night|morning|evening|today|"
    # months written out or abbreviated, not any word that starts like one ("Mariano")
    r"yesterday|(?:january|february|march|april|june|july|august|september|october|"
    r"november|december|jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec)\b\.?\s*\d*)\s*,?)+$",
    re.IGNORECASE,
)
PRONOUNS = frozenset("he she they i we it you".split())
_POSSESSIVE_PRONOUNS = frozenset("his her their".split())  # "his claim that ..."
# Lowercase nouns that can head a speaker ("officials said", "a spokesman said").
SPEAKER_NOUNS = frozenset(
    "official officials source sources spokesman spokeswoman spokesperson aide aides "
    "adviser advisers advisor analyst analysts expert experts agency ministry government "
    "police report reports statement campaign president minister secretary chief director "
    "intelligence military army officer officers diplomat diplomats lawmaker lawmakers "
    "senator senators governor mayor prosecutor prosecutors lawyer lawyers attorney "
    "authorities leader leaders media outlet newspaper paper poll polls survey study "
    "researchers scientists witnesses residents critics supporters commander commanders "
    "department office people person documents data figures observers investigators "
    "committee council court judge spokespeople representative representatives staff team "
    "member members party voters economists observers insiders group organization service "
    "administration pentagon kremlin white house nominee candidate chairman chairwoman "
    "ambassador envoy professor historian economist activist activists advocates "
    "organizers protesters demonstrators union coalition website founder owner "
    "executive executives ceo manager ruling percent".split()
)
_DETERMINERS = frozenset("the a an this that these those its their his her our".split())
# Tokens that end a speaker noun phrase when scanning back from the cue.
_NP_STOP = frozenset(
    "that which who whom whose and but or because while when if as after before since so "
    "than where what why how though although unless until whether to of in on at for with "
    "by from about into over under against between during without within not".split()
)
_BE = frozenset("is are was were be been being".split())
# Cues that mean something else before "to" ("he claims to be", "is expected to").
_NOT_CUES = frozenset("called off|called up|called in|found out|called back".split("|"))
_TO_VERBS = frozenset("be have been include number total exceed represent contain".split())
_NOT_BEFORE_TO = frozenset("claims claim claimed expected said says seems seemed thought".split())
# Labels that open a line with a colon without naming a speaker.
_NOT_SPEAKERS_BEFORE_COLON = frozenset(
    "note update updated editor correction photo photos video watch read related source "
    "sources credit warning breaking live exclusive analysis opinion q a also by posted "
    "tags topics share follow".split()
)
# Cues that are as often nouns: they need a named speaker right before them.
_NOUN_LIKE_CUES = frozenset(
    "claims claim reports estimates estimate notes charges fears hopes doubts warning "
    "warnings".split()
)
_CONJUNCTIONS = frozenset("but and yet so meanwhile however also still".split())
# Capitalised words that open sentences without being names ("More reported evidence").
_NOT_NAMES = frozenset(
    "more most some many other such several few all both each any those these this that "
    "there here now then even only much another no new further".split()
)
_CALENDAR = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday today yesterday".split()
)
_MONTHS = frozenset(
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec".split()
)
# A speaker is a person, an office, an organisation or an outlet: never a date, a
# platform a statement was posted on, or a piece of evidence ("Fresh evidence suggests",
# "Aerial photographs show", "posted on Telegram saying"). Seen in the seed documents.
NOT_SPEAKER_HEADS = frozenset(
    "telegram twitter facebook instagram youtube tiktok weibo whatsapp "
    "radio television tv screen evidence footage video videos photo photos photograph "
    "photographs image images picture pictures satellite later earlier week month year "
    "morning evening night".split()
)
# Adverbs set off by commas that are not an appositive ("Zelenskyy, however, said").
_DISCOURSE_ADVERBS = frozenset(
    "however meanwhile though too also nonetheless nevertheless instead moreover "
    "furthermore separately likewise similarly".split()
)
# Who a statement is told to ("told reporters", "told the Associated Press"): the
# object of the cue, not its content.
_AUDIENCES = frozenset(
    "reporters journalists lawmakers legislators parliament press media audience crowd "
    "conference briefing committee hearing interviewer supporters students workers "
    "troops officials residents viewers listeners readers broadcaster newspaper agency "
    "outlet program programme show station channel radio television tv analysts "
    "investors".split()
)
_TELL_CUES = frozenset("told tell tells telling".split())
_OBJECT_PRONOUNS = frozenset("him her them us me you".split())
# The last word of an organisation's name: its key is then its initials.
_ORG_HEADS = frozenset(
    "service agency ministry department office council committee party organization "
    "organisation forces command staff center centre institute bureau administration "
    "government parliament assembly court commission union network board bank fund army "
    "navy guard corps".split()
)
_TOKEN = re.compile(
    # an apostrophe stays in a word ("Scott's", "officials'") unless it is half of a
    # '' quotation mark ("mechanics''")
    r"[A-Za-z](?:[\w’-]|'(?!'))*(?:\.[A-Za-z]+)*\.?|\([A-Z][\w.-]{0,12}\)|\d(?:[\d,.]*\d)?|''"
    r"|[^\w\s]"
)
# A US politician's party and state after the name ("R-Ky.", "D-Calif."): the full stop
# abbreviates the state.
_PARTY_TAG = re.compile(r"[RDI]-[A-Z][a-z]{0,4}$")
_QUOTES = '"“”'
_QUOTE_MARKS = frozenset({'"', "“", "”", "''"})
_CLAUSE_PUNCT = frozenset([*",;:—–()[]", *_QUOTES, "''"])
# Long enough for "conservative ruling People Power Party's floor leader Rep. Choo
# Kyung-ho" (10 tokens, seed 000); longer runs are clauses, not speakers.
_MAX_SPEAKER_TOKENS = 12
# What may stand right before a speaker or cue that follows the content ('...," he said').
_BEFORE_SPEAKER = frozenset({",", "”", '"', "''"})
_ACRONYM = re.compile(r"\(([A-Z]{2,9})\)")
# A short parenthetical after a name: an acronym "(NIS)", a party tag "(R-S.C.)".
_PAREN_TAG = re.compile(r"\([A-Z][\w.-]{0,12}\)")


@dataclass(frozen=True, slots=True)
class Claim:
    sentence: str
    start: int  # character offsets of the sentence in the text
    end: int
    speaker: str  # who, as written ("South Korea's National Intelligence Service (NIS)")
    speaker_key: str  # who, folded for comparison ("nis")
    cue: str
    content: str
    quote: bool
    quantities: tuple[Quantity, ...] = field(default=())
    speaker_start: int = 0  # offsets of the speaker as written, in the text
    speaker_end: int = 0
    quote_part: bool = False  # a sentence of a quote whose speaker another sentence names

    def to_json(self) -> dict[str, Any]:
        return {
            "sentence": self.sentence, "start": self.start, "end": self.end,
            "speaker": self.speaker, "cue": self.cue, "content": self.content,
            "quote": self.quote, "quote_part": self.quote_part,
            "quantities": [q.to_json() for q in self.quantities],
        }  # fmt: skip


@dataclass(frozen=True, slots=True)
class _Token:
    text: str
    start: int
    end: int


# Claims are read from the first this many characters of a text: some 50,000 words,
# ten times the longest article in the corpus, so that a page that is one huge table of
# figures costs a bounded time (the work is linear in the text, about 1 s per 800 KB).
MAX_TEXT_CHARS = 300_000


def extract_claims(text: str) -> list[Claim]:
    """Every attributed statement in a text (its first MAX_TEXT_CHARS), in order, with
    offsets into `text`. Every sentence of a quote belongs to its speaker, also those of
    it that do not name the speaker (marked `quote_part`)."""
    reader = _ClaimReader(text[:MAX_TEXT_CHARS])
    for sentence in split_sentences(reader.text):
        reader.read(sentence)
    reader.end_paragraph()
    return reader.claims


class _ClaimReader:
    """Reads a text's sentences in order, keeping what the next sentence needs: who was
    named last (for "he said") and the sentences of a quote still waiting for, or
    continuing, its speaker. A quote never runs past its paragraph."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.claims: list[Claim] = []
        self.last_speaker: tuple[str, str] | None = None
        self.waiting: list[Sentence] = []  # inside a quote whose speaker comes later
        self.open_claim: Claim | None = None  # its quote goes on into the next sentence
        # the paragraph's last quoted claim, whose speaker an unattributed quote after it
        # in the paragraph shares
        self.last_quote_claim: Claim | None = None
        self.previous_end = 0

    def read(self, sentence: Sentence) -> None:
        if "\n" in self.text[self.previous_end : sentence.start]:
            self.end_paragraph()
        self.previous_end = sentence.end
        tokens = _tokens(sentence.text)
        balance = _quote_balance(sentence.text)
        claim = _claim_in(sentence, tokens)
        if claim is None:
            self._unattributed(sentence, tokens, balance)
            return
        claim = self._resolved(sentence, tokens, claim)
        if self.waiting and balance < 0 and claim.quote:
            self.claims.extend(_quote_part(claim, waiting) for waiting in self.waiting)
        self.waiting = []
        extra = _with_claims(sentence, tokens, claim)
        if extra:  # the first claim's content ends where the second speaker's clause starts
            claim = _content_cut(claim, sentence, extra[0].speaker_start)
        self.claims.append(claim)
        self.claims.extend(extra)
        self.open_claim = claim if balance > 0 else None
        self.last_quote_claim = claim if claim.quote else None

    def _unattributed(self, sentence: Sentence, tokens: list[_Token], balance: int) -> None:
        if self.open_claim is not None:
            self.claims.append(_quote_part(self.open_claim, sentence))
            if balance < 0:
                self.open_claim = None
            return
        if self.last_quote_claim is not None and not self.waiting and _whole_quote(sentence.text):
            # '“...,” Solovey told the AP. “The dissemination of this video ...”'
            self.claims.append(_quote_part(self.last_quote_claim, sentence))
            return
        if balance > 0 or (self.waiting and balance == 0):
            self.waiting.append(sentence)
        else:
            self.waiting = []
        self.last_speaker = _subject_named(sentence.text, tokens) or self.last_speaker

    def _resolved(self, sentence: Sentence, tokens: list[_Token], claim: Claim) -> Claim:
        if claim.speaker.lower() not in PRONOUNS | _POSSESSIVE_PRONOUNS:
            self.last_speaker = (claim.speaker, claim.speaker_key)
            return claim
        # "Kim's visit ..., where he described": the person named in the sentence; "he
        # said": else the person named last (a light coreference that is right for the
        # usual news pattern of a named speaker followed by "he added")
        named = _possessor_before(sentence, tokens, claim) or self.last_speaker
        if named is None:
            return claim
        return dataclasses.replace(claim, speaker=named[0], speaker_key=named[1])

    def end_paragraph(self) -> None:
        """A quote opened right after a quoted claim and left unattributed in the same
        paragraph is the same speaker's, as news copy writes it."""
        if self.waiting and self.last_quote_claim is not None:
            self.claims.extend(_quote_part(self.last_quote_claim, s) for s in self.waiting)
        self.waiting = []
        self.open_claim = None
        self.last_quote_claim = None


def _whole_quote(sentence: str) -> bool:
    """A sentence that is one quotation from its first character to its last."""
    text = sentence.strip()
    return (
        len(text) > 2 and text[0] in "“\"" and text.rstrip(".!?")[-1:] in "”\""
        and text.count("“") <= 1 and _quote_balance(text) == 0
    )  # fmt: skip


def _quote_balance(sentence: str) -> int:
    """+1 when a sentence opens a quotation it does not close, -1 when it closes one it
    did not open, else 0."""
    opened = sentence.count("“") - sentence.count("”")
    if sentence.count('"') % 2:
        opened += 1 if sentence.lstrip().startswith('"') else -1
    return (opened > 0) - (opened < 0)


def _quote_part(claim: Claim, sentence: Sentence) -> Claim:
    """A sentence of `claim`'s quote that does not itself name the speaker."""
    return dataclasses.replace(
        claim,
        sentence=sentence.text,
        start=sentence.start,
        end=sentence.end,
        content=sentence.text.strip(' "“”'),
        quote=True,
        quantities=tuple(find_quantities(sentence.text)),
        quote_part=True,
    )


_SUBORDINATORS = frozenset("where when while which as after before".split())
# Contractions that look like possessives ("It's", "That's").
_NOT_POSSESSORS = PRONOUNS | _DETERMINERS | frozenset("there here what who let".split())


def _possessor_before(
    sentence: Sentence, tokens: list[_Token], claim: Claim
) -> tuple[str, str] | None:
    """A name in the possessive before a pronoun speaker that does not open the sentence
    ("... cemented by Kim's visit to Russia, where he described ...")."""
    offset = claim.speaker_start - sentence.start
    before = [t for t in tokens if t.end <= offset]
    if not before or before[-1].text.lower() not in _SUBORDINATORS:
        return None  # only "..., where he", "in which he": else the person named last
    for token in reversed(before):
        word = token.text
        stem = word[:-2]
        if (
            word.endswith(("’s", "'s"))
            and word[0].isupper()
            and stem.isalpha()
            and (stem.lower() not in _NOT_POSSESSORS)
        ):
            name = word[:-2]
            return name, speaker_key(name)
    return None


def _subject_named(text: str, tokens: list[_Token]) -> tuple[str, str] | None:
    """The name opening a sentence that makes no claim ("Lloyd Austin spoke ...")."""
    subject = _opening_subject(tokens)
    if subject is None or subject[1] - subject[0] < 2:
        return None
    name = text[tokens[subject[0]].start : tokens[subject[1] - 1].end]
    return name, speaker_key(name)


def _with_claims(sentence: Sentence, tokens: list[_Token], first: Claim) -> list[Claim]:
    """A second speaker in an absolute clause: "the Kremlin has denied reports ..., with
    spokesman Dmitry Peskov dismissing the allegations as 'fake news'"."""
    found = []
    for index, length in _cue_positions(tokens):
        if not tokens[index].text.endswith("ing"):
            continue
        speaker = _speaker_before(tokens, index)
        if speaker is None or speaker[0] == 0 or tokens[speaker[0] - 1].text.lower() != "with":
            continue
        if not _named_speaker(tokens[speaker[0] : speaker[1]]) or index + length >= len(tokens):
            continue
        content = (tokens[index + length].start, len(sentence.text))
        claim = _build(sentence, tokens, index, length, speaker, content)
        if claim.speaker_key != first.speaker_key:
            found.append(claim)
    return found


def _content_cut(claim: Claim, sentence: Sentence, speaker_start: int) -> Claim:
    """The claim's content up to the ", with" that opens another speaker's clause."""
    head = sentence.text[: speaker_start - sentence.start]
    cut = head.rfind(" with ")
    content_start = sentence.text.find(claim.content)
    if cut <= content_start or content_start < 0:
        return claim
    return dataclasses.replace(claim, content=sentence.text[content_start:cut].rstrip(" ,;"))


def _claim_in(sentence: Sentence, tokens: list[_Token]) -> Claim | None:
    for index, cue_length in _cue_positions(tokens):
        found = _attribution(tokens, index, cue_length, sentence.text)
        if found is not None and _only_punctuation(sentence.text[slice(*found[1])]):
            found = None  # a headline's "... Movements Confirmed?": nothing said
        if found is None:
            found = _relative_speaker(tokens, index, cue_length, sentence.text)
            if found is None:
                continue
            speaker_span, content_span = found
            claim = _build(sentence, tokens, index, cue_length, speaker_span, content_span)
            resolved = _with_antecedent(claim, sentence, tokens, speaker_span[0])
            if resolved is not None:
                return resolved
            continue
        speaker_span, content_span = found
        return _build(sentence, tokens, index, cue_length, speaker_span, content_span)
    credited = _dash_credit(tokens) or _colon_speaker(tokens, sentence.text)
    if credited is None:
        return None
    speaker_span, content_span = credited
    marker = speaker_span[1] if content_span[0] > 0 else speaker_span[0] - 1
    return _build(sentence, tokens, marker, 1, speaker_span, content_span)


def _only_punctuation(content: str) -> bool:
    """ "?" after a headline's cue; an empty content ("He said:") introduces a quote."""
    stripped = content.strip(" ,.;:")
    return bool(stripped) and not any(ch.isalnum() for ch in stripped)


def _relative_speaker(
    tokens: list[_Token], cue: int, length: int, text: str
) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """ "McConnell, now the Senate majority leader, who in 2010 said ...": the relative
    pronoun as written; its antecedent names the speaker (_with_antecedent)."""
    end = _skip_between(tokens, _skip_time_back(tokens, _skip_between(tokens, cue)))
    while end > 0 and (tokens[end - 1].text.isdigit() or tokens[end - 1].text.lower() == "in"):
        end -= 1  # "who in 2010 said"
    if end >= 4 and tokens[end - 1].text.lower() == "whom" and tokens[end - 2].text == "of":
        end -= 2  # "family members of 9/11 victims, many of whom say"
        pronoun_end = end + 2
    elif end < 2 or tokens[end - 1].text.lower() not in {"who", "which"}:
        return None
    else:
        pronoun_end = end
    start = _content_after_cue(tokens, cue, cue + length)
    if start >= len(tokens):
        return None
    return (end - 1, pronoun_end), (tokens[start].start, len(text))


def _with_antecedent(
    claim: Claim, sentence: Sentence, tokens: list[_Token], pronoun: int
) -> Claim | None:
    """The claim of a relative pronoun, credited to the noun phrase it follows."""
    end = pronoun - (tokens[pronoun - 1].text == ",")
    antecedent = _speaker_before(tokens, end) if end > 0 else None
    if antecedent is None or not _named_speaker(tokens[antecedent[0] : antecedent[1]]):
        return None  # "..., which showed" after a thing, not a speaker
    name = sentence.text[tokens[antecedent[0]].start : tokens[antecedent[1] - 1].end]
    return dataclasses.replace(claim, speaker=name, speaker_key=speaker_key(name))


def _tokens(text: str) -> list[_Token]:
    """Words, parenthesised acronyms and punctuation; a full stop stays on a word only
    when it marks an abbreviation ("U.S.", "Mr.", "J.")."""
    tokens = []
    for match in _TOKEN.finditer(text):
        word, start, end = match.group(), match.start(), match.end()
        stem = word[:-1]
        sentence_stop = word.endswith(".") and "." not in stem and len(stem) > 1
        if sentence_stop and stem.lower() not in ABBREVIATIONS and not _PARTY_TAG.match(stem):
            tokens.append(_Token(stem, start, end - 1))
            tokens.append(_Token(".", end - 1, end))
            continue
        tokens.append(_Token(word, start, end))
    return tokens


def _cue_positions(tokens: list[_Token]) -> list[tuple[int, int]]:
    """Cues outside quotation marks: a cue inside a quote is the quoted speaker's
    ("“I think ...,” she said" is her claim, not "I"'s)."""
    words = [t.text.lower() for t in tokens]
    inside = _inside_quotes(tokens)
    positions = []
    for i, word in enumerate(words):
        if inside[i]:
            continue
        pair = f"{word} {words[i + 1]}" if i + 1 < len(words) else ""
        triple = f"{pair} {words[i + 2]}" if i + 2 < len(words) else ""
        if not tokens[i].text.islower() and not _capitalised_cue(tokens, i):
            continue  # "The United States", a headline's "Confirmed"
        if triple in _PHRASE_CUES_3:
            positions.append((i, 3))
        elif (
            word in _NOT_BEFORE_TO
            and i + 1 < len(words)
            and words[i + 1] == "to"
            and (word not in {"said", "says"} or i + 2 >= len(words) or words[i + 2] in _TO_VERBS)
        ):
            continue  # "is said to be", "claims to have"; not "said to the TV"
        elif pair in _NOT_CUES:
            continue  # "called off a strike"
        elif pair in _PHRASE_CUES:
            positions.append((i, 2))
        elif word in _CUE_SET:
            positions.append((i, 1))
    return positions


def _capitalised_cue(tokens: list[_Token], i: int) -> bool:
    """ "According to ..." opening a sentence; "Said Ellis: ..."; a headline's
    "..., Lindsey Graham Says"."""
    word = tokens[i].text
    if i == 0:
        return word in {"According", "Said", "Says"}
    if not tokens[i - 1].text[0].isupper():
        return False
    return word in {"Says", "Said"} or (word.lower() in _CUE_SET and _headline(tokens))


def _headline(tokens: list[_Token]) -> bool:
    """A title-case line ("Chris Christie Calls Hillary Clinton 'A Disgrace'"): most of
    its longer words capitalised."""
    words = [t.text for t in tokens if t.text.isalpha() and len(t.text) > 3]
    return len(words) >= 3 and sum(w[0].isupper() for w in words) >= 0.8 * len(words)


def _inside_quotes(tokens: list[_Token]) -> list[bool]:
    """Which tokens stand inside quotation marks. A closing mark with no opening one
    closes a quote begun in an earlier sentence, so everything before it is quoted."""
    inside: list[bool] = []
    state = False
    for i, token in enumerate(tokens):
        if token.text not in _QUOTE_MARKS:
            inside.append(state)
            continue
        opening = token.text == "“" or (token.text != "”" and _opens(tokens, i))
        if not opening and not state:
            inside = [True] * len(inside)
        state = opening
        inside.append(True)
    return inside


def _opens(tokens: list[_Token], i: int) -> bool:
    """A straight quote opens when a word is glued after it and none before it
    (an opening bracket or dash before it does not count): judged by offsets."""
    glued_before = i > 0 and tokens[i - 1].end == tokens[i].start
    glued_after = i + 1 < len(tokens) and tokens[i + 1].start == tokens[i].end
    return glued_after and not (glued_before and tokens[i - 1].text not in "(—–-")


def _attribution(
    tokens: list[_Token], cue: int, length: int, text: str
) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """(speaker token span, content character span) for the cue at `cue`, if any."""
    after = cue + length
    if tokens[cue].text.lower() == "according":
        return _according_to(tokens, cue, after, text)
    passive = _passive_agent(tokens, cue, after, text)
    if passive is not None:
        return passive
    before = (
        _speaker_before(tokens, cue)
        or _appositive_speaker(tokens, cue)
        or _coordinated_subject(tokens, cue)
    )
    noun_like = tokens[cue].text.lower() in _NOUN_LIKE_CUES
    if before is not None and noun_like and not _named_speaker(tokens[before[0] : before[1]]):
        before = None  # "This development follows claims made by ..."
    if before is not None:
        content_start = _content_after_cue(tokens, cue, after)
        if _content_comes_first(tokens, before[0], content_start):
            return before, (0, tokens[before[0] - 1].start)  # '"...," Austin said.'
        if content_start >= len(tokens):
            return None
        return before, (tokens[content_start].start, len(text))
    if noun_like:
        return _made_by(tokens, after, text) or _possessor_claim(tokens, cue, after, text)
    inverted = tokens[cue].text.lower() not in _TELL_CUES  # "..., told his advisers" is whom
    if inverted and cue > 0 and tokens[cue - 1].text in _BEFORE_SPEAKER:
        # '"...," said Dmitry Peskov.'
        speaker = _speaker_after(tokens, after)
        if speaker is not None:
            return speaker, (0, tokens[cue - 1].start)
    return None


_PERIODS = frozenset("week month year morning afternoon evening night weekend".split())
_TIME_MODIFIERS = frozenset("on last this next earlier later early late".split())
_TIME_WORDS = _CALENDAR | _MONTHS | _PERIODS | _TIME_MODIFIERS
# Phrases that may stand between a cue and its "that" ("said during a news conference
# with Zelenskyy Thursday that ...").
_PHRASE_OPENERS = frozenset("during at in on after before while from with via".split())
# How far a "that" may stand after such a phrase's start: longer is another clause.
_THAT_WINDOW = 15


def _content_after_cue(tokens: list[_Token], cue: int, after: int) -> int:
    """Where the content starts after a cue: past whom it was told to ("told reporters",
    "told the Associated Press"), when ("Saturday"), where ("during a news conference
    with ..."), and "that"."""
    position = _past_audience(tokens, after) if tokens[cue].text.lower() in _TELL_CUES else after
    while position < len(tokens) and _time_word(tokens, position):
        position += 1
    if position < len(tokens) and tokens[position].text.lower() in _PHRASE_OPENERS:
        for index in range(position + 1, min(len(tokens), position + _THAT_WINDOW)):
            word = tokens[index].text
            if word in _CLAUSE_PUNCT or word in ".!?":
                break
            if word.lower() == "that":
                return index + 1
    if position < len(tokens) and tokens[position].text.lower() == "that":
        return position + 1
    return position


def _time_word(tokens: list[_Token], position: int) -> bool:
    """ "Saturday", "this week", "on Tuesday" ("on" only before a day or month)."""
    word = tokens[position].text.lower()
    following = tokens[position + 1].text.lower() if position + 1 < len(tokens) else ""
    if word in _TIME_MODIFIERS:  # not "called this development"
        return following in _CALENDAR or following in _MONTHS or following in _PERIODS
    return word in _TIME_WORDS or word.isdigit()


def _past_audience(tokens: list[_Token], after: int) -> int:
    """Past "reporters", "a news conference", "the Associated Press", "CNN"."""
    position = after
    if position < len(tokens) and tokens[position].text.lower() in _DETERMINERS:
        position += 1
    start = position
    while position < len(tokens) and position - start < 4:
        word = tokens[position].text
        if word[0].isupper() and word.lower() not in _TIME_WORDS and word.lower() not in PRONOUNS:
            position += 1
        elif word.lower() in _AUDIENCES or word.lower() in _OBJECT_PRONOUNS:
            return position + 1
        elif word.isalpha() and word.islower() and position - start < 2:
            position += 1  # "a parliamentary committee", "a news conference"
        else:
            break
    if position > start and tokens[position - 1].text[0].isupper():
        return position
    return after


def _possessor_claim(
    tokens: list[_Token], cue: int, after: int, text: str
) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """ "Trump's claim that there have been ...": the possessor, the content after
    "that"."""
    if cue == 0 or after >= len(tokens) - 1 or tokens[after].text.lower() != "that":
        return None
    owner = tokens[cue - 1].text
    name = owner[:-2] if owner.endswith(("’s", "'s")) else ""
    if not (name[:1].isupper() and name.replace("-", "").isalpha()) and owner.lower() not in {
        "his", "her", "their"
    }:  # fmt: skip
        return None
    start = cue - 1
    while start > 0 and tokens[start - 1].text[0].isupper() and tokens[start - 1].text.isalpha():
        start -= 1  # "Donald Trump's"
    return (start, cue), (tokens[after + 1].start, len(text))


# How far after a passive cue its "by" may stand ("has been called a charlatan by").
_AGENT_WINDOW = 8


def _passive_agent(
    tokens: list[_Token], cue: int, after: int, text: str
) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """ "Oz has been called a charlatan by fellow physicians", "was told by The Daily
    Caller": the agent after "by" is the speaker; what was said of the subject is the
    content."""
    end = _skip_between(tokens, cue)
    if end == 0 or tokens[end - 1].text.lower() not in _BE or not tokens[cue].text.endswith("ed"):
        return None
    for by in range(after, min(len(tokens) - 1, after + _AGENT_WINDOW)):
        word = tokens[by].text
        if word in _CLAUSE_PUNCT or word in ".!?":
            return None
        if word.lower() == "by":
            agent = _speaker_after(tokens, by + 1)
            if agent is None or not _named_speaker(tokens[agent[0] : agent[1]]):
                return None
            return agent, (0, tokens[by].start)
    return None


def _made_by(
    tokens: list[_Token], after: int, text: str
) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """ "claims made by Kyrylo Budanov, head of Ukrainian military intelligence, that
    around 11,000 ...": the speaker after "by", the content after "that"."""
    position = after + (after < len(tokens) and tokens[after].text.lower() == "made")
    if position >= len(tokens) or tokens[position].text.lower() != "by":
        return None
    speaker = _speaker_after(tokens, position + 1)
    if speaker is None or not _named_speaker(tokens[speaker[0] : speaker[1]]):
        return None
    for index in range(speaker[1], min(len(tokens) - 1, speaker[1] + _THAT_WINDOW)):
        if tokens[index].text.lower() == "that":
            return speaker, (tokens[index + 1].start, len(text))
        if tokens[index].text in ".!?;" or tokens[index].text in _QUOTE_MARKS:
            break
    return None


def _content_comes_first(tokens: list[_Token], speaker_start: int, after_cue: int) -> bool:
    """'"...," Austin said Saturday at ...' and '..., a source said.' put the content
    first; 'Alongside X, Budanov believed more than ...' puts it after the cue."""
    if speaker_start == 0 or tokens[speaker_start - 1].text not in _BEFORE_SPEAKER:
        return False
    if tokens[speaker_start - 1].text != ",":
        return True  # a closing quotation mark
    rest = [t for t in tokens[after_cue:] if t.text not in ".!?"]
    if len(rest) < 3 or rest[0].text in {",", ";"}:
        return True  # '..., officials said this week, raising questions ...'

    if any(t.text.lower() == "that" for t in tokens[after_cue - 1 : after_cue + 4]):
        return False  # "..., Budanov said (in April) that ..."
    # after the cue only a when or where: "..., a source said on Friday in Seoul."
    first = rest[0].text.lower()
    return first in _NP_STOP or first in _CALENDAR or first in {"in", "at", "on", "during"}


def _according_to(
    tokens: list[_Token], cue: int, after: int, text: str
) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """ "According to X, ..." or "..., according to X." (not "according to plan")."""
    speaker = _speaker_after(tokens, after)
    if speaker is None:
        return None
    if all(t.text.lower() in _CONJUNCTIONS for t in tokens[:cue]):
        rest = speaker[1] + 1  # past the comma after the speaker
        return (speaker, (tokens[rest].start, len(text))) if rest < len(tokens) else None
    if tokens[cue - 1].text in ",;—(":
        return speaker, (0, tokens[cue - 1].start)
    return None


def _skip_between(tokens: list[_Token], cue: int) -> int:
    """Where the words before a cue end once "also", "has", "later" ... are skipped."""
    end = cue
    while end > 0 and (tokens[end - 1].text.lower() in _BETWEEN or _adverb(tokens[end - 1].text)):
        end -= 1
    return end


# Words in -ly that are nouns or adjectives, not adverbs ("the family said").
_NOT_ADVERBS = frozenset("family ally assembly monopoly daily weekly italy rally".split())


def _adverb(word: str) -> bool:
    """ "strongly", "boldly", "generally": an adverb standing between speaker and cue."""
    lower = word.lower()
    return word.islower() and lower.endswith("ly") and len(lower) > 4 and lower not in _NOT_ADVERBS


def _speaker_before(tokens: list[_Token], cue: int) -> tuple[int, int] | None:
    """The noun phrase that ends right before the cue, skipping adverbs and times."""
    end = _skip_between(tokens, cue)
    if end > 0 and tokens[end - 1].text.lower() in _BE and not tokens[cue].text.endswith("ing"):
        return None  # a passive ("it was later revealed"), not a speaker speaking
    end = _skip_between(tokens, _skip_time_back(tokens, end))
    if end > 1 and _participle(tokens[end - 1].text) and tokens[end - 2].text[0].isalpha():
        end -= 1  # "A Government Accountability Office report released last year found"
    start = end
    while start > 0 and end - start < _MAX_SPEAKER_TOKENS:
        word = tokens[start - 1].text
        lower = word.lower()
        if lower == "of" and _inside_name(tokens, start - 1):
            start -= 1  # "Secretary of Defense Lloyd Austin", "Ministry of Defence"
            continue
        if lower == "and" and _joins_adjectives(tokens, start - 1, end):
            start -= 1  # "South Korean and Ukrainian officials"
            continue
        if lower == "and" and _names_from_start(tokens, start - 1):
            start = 1 if tokens[0].text in {"Both", "Neither"} else 0
            break  # "Both North Korea and Russia have denied"
        if word in _CLAUSE_PUNCT or lower in _NP_STOP:
            break
        share = start < end and tokens[start].text.lower() in {"percent", "%"}
        if (
            (word[0].isdigit() and not share)
            or word in ".!?-"
            or (_PAREN_TAG.fullmatch(word) and start - 1 == 0)
        ):
            break  # a dateline's "(AJP) -" or "(AP) —" is not part of the speaker
        start -= 1
    while start < end and tokens[start].text.lower() in _CONJUNCTIONS:
        start += 1
    return (start, end) if _plausible_speaker(tokens[start:end]) else None


_NOT_IN_APPOSITIVE = _BE | frozenset(
    "have has had appear appears appeared will would could may might can should must".split()
)
_RELATIVES = frozenset("who whose which that".split())


def _looks_appositive(aside: list[_Token]) -> bool:
    """ "the state's campaign chairman", "head of the centre", "a division of Immigration
    and Customs Enforcement": a noun phrase, not a clause ("and some workers appear to
    have been dispatched ...")."""
    words = [t.text.lower() for t in aside]
    # a relative clause inside it may have any verb ("a Syrian refugee who feared
    # retaliation and asked not to be identified")
    head = words[: next((i for i, w in enumerate(words) if w in _RELATIVES), len(words))]
    return (
        0 < len(aside) <= 30 and words[0] not in {"and", "or", "but"}
        and not any(w in _NOT_IN_APPOSITIVE for w in head)
    )  # fmt: skip


def _names_from_start(tokens: list[_Token], conjunction: int) -> bool:
    """Only capitalised words from the sentence's start to this "and", and after it up
    to the cue: two names joined ("North Korea and Russia"), one subject."""
    first = 1 if tokens and tokens[0].text in {"Both", "Neither"} else 0
    return conjunction > first and all(t.text[0].isupper() for t in tokens[first:conjunction])


def _joins_adjectives(tokens: list[_Token], conjunction: int, end: int) -> bool:
    """ "and" between two capitalised adjectives of one speaker noun ("South Korean and
    Ukrainian officials"), not between two speakers' names ("Russia and Ukraine")."""
    head = tokens[end - 1].text
    return (
        conjunction > 0 and end - conjunction >= 3 and tokens[conjunction - 1].text[0].isupper()
        and tokens[conjunction + 1].text[0].isupper() and head.lower() in SPEAKER_NOUNS
        and head.islower()
    )  # fmt: skip


def _participle(word: str) -> bool:
    return word.islower() and word.endswith("ed") and word not in _CUE_SET and len(word) > 4


def _inside_name(tokens: list[_Token], of: int) -> bool:
    """ "of" between two capitalised words, as in a title or an office."""
    return (
        0 < of < len(tokens) - 1
        and tokens[of - 1].text[0].isupper()
        and (tokens[of + 1].text[0].isupper())
    )


# How far back the name before an appositive may stand ("Dr. Connie Mariano, who as a
# Navy captain was the White House physician in the administration of ... , said").
_APPOSITIVE_WINDOW = 45


def _appositive_speaker(tokens: list[_Token], cue: int) -> tuple[int, int] | None:
    """ "Phil Lovas, the state's campaign chairman, said": the name before the
    appositive, with the appositive in its span; "Michael Mulgrew, president of the
    United Federation of Teachers, which represents ..., said": the name that opens the
    sentence or a clause, past the asides; "Mr. Obama, who understood ..., told", "Trump,
    speaking to veterans, said", "Zelenskyy, however, said": the name alone."""
    end = _skip_between(tokens, cue)
    if end < 2 or tokens[end - 1].text != ",":
        return None
    asides_end, relative, fallback = end - 1, False, None
    for comma in _commas_back(tokens, end - 2)[:3]:
        aside = tokens[comma + 1 : asides_end]
        if aside and aside[0].text.lower() in _RELATIVES:
            relative = True
        elif not _looks_appositive(aside):
            break  # "... laborers, and some workers appear ..., reported X"
        name = _speaker_before(tokens, comma)
        if name is not None:
            first = tokens[comma + 1 : end - 1]
            alone = (
                relative
                or {t.text.lower() for t in first} <= _DISCOURSE_ADVERBS
                or (first[0].text.endswith("ing"))
            )
            span = name if alone else (name[0], end - 1)
            if name[0] == 0 or tokens[name[0] - 1].text in {",", "(", "—", "–", ";", ":"}:
                return span
            fallback = fallback or span  # "... of Teachers" inside an appositive
        asides_end = comma
    return fallback


def _commas_back(tokens: list[_Token], start: int) -> list[int]:
    """The commas before `start`, nearest first, within the sentence's clause."""
    commas = []
    for index in range(start, max(-1, start - _APPOSITIVE_WINDOW), -1):
        word = tokens[index].text
        if word in '“”";:.!?' or word == "''":
            break
        if word == ",":
            commas.append(index)
    return commas


_BY_VERBS = frozenset("began begins opened opens ended ends responded responds closed".split())


def _coordinated_subject(tokens: list[_Token], cue: int) -> tuple[int, int] | None:
    """ "Mr. Schultz supported Democrats ... and said he ...", "Trump defended the
    tweets, saying ...": the sentence's subject, when it opens the sentence."""
    end = _skip_between(tokens, cue)
    joined_by_and = end >= 3 and tokens[end - 1].text.lower() in {"and", "but"}
    # "Trump defended the tweets, saying ...", "Kovalenko posted on Telegram saying ...",
    # "Dean ... began by saying ..."; not a gerund ("for saying", "of denying")
    ing = tokens[cue].text.endswith("ing") and end >= 3
    by_doing = ing and tokens[end - 1].text.lower() == "by" and tokens[end - 2].text in _BY_VERBS
    participle = ing and (tokens[end - 1].text.lower() not in _NP_STOP or by_doing)
    if not (joined_by_and or participle):
        return None
    return _opening_subject(tokens)


def _opening_subject(tokens: list[_Token]) -> tuple[int, int] | None:
    """A pronoun or a name (up to four capitalised words) opening the sentence."""
    first = 1 if tokens and tokens[0].text.lower() in _CONJUNCTIONS else 0  # "But the U.S."
    if len(tokens) > first and tokens[first].text.lower() in PRONOUNS - {"it", "you"}:
        return (first, first + 1)
    length = first
    while length < len(tokens) and length - first < 4 and tokens[length].text[0].isupper():
        length += 1
    role = _role_after(tokens, first, length)  # "Local authorities", "The Republican nominee"
    if role is not None:
        return (first, role)
    if length == first or tokens[first].text.lower() in _NOT_NAMES | _CALENDAR | _DETERMINERS:
        return None
    return (first, length) if _plausible_speaker(tokens[first:length]) else None


def _role_after(tokens: list[_Token], first: int, length: int) -> int | None:
    """Where a subject headed by a speaker noun ends: "Local authorities", "The
    Republican nominee", "Union leaders" (up to two lowercase words after the
    capitalised ones)."""
    if length == first or tokens[first].text.lower() in _NOT_NAMES | _CALENDAR:
        return None
    for end in range(length + 1, min(len(tokens), length + 2) + 1):
        if not tokens[end - 1].text.isalpha() or not tokens[end - 1].text.islower():
            return None
        if tokens[end - 1].text in SPEAKER_NOUNS:
            return end
    return None


def _colon_speaker(
    tokens: list[_Token], text: str
) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """ "PENCE: Well, look, ..." in a transcript; "Poll: Wealthy voters ..." in a headline."""
    start = 1 if tokens and tokens[0].text in _QUOTE_MARKS else 0
    for colon in range(start + 1, min(len(tokens), start + 5)):
        if tokens[colon].text == ":":
            words = tokens[start:colon]
            if (
                colon + 1 < len(tokens)
                and all(w.text[0].isupper() for w in words)
                and not any(w.text.lower() in _NOT_SPEAKERS_BEFORE_COLON for w in words)
                and _plausible_speaker(words)
            ):
                return (start, colon), (tokens[colon + 1].start, len(text))
            return None
    return None


def _dash_credit(tokens: list[_Token]) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """'“... He represents our greatest shame.” ― Sonya Herridge': a quote credited
    with a dash and the speaker's name."""
    for dash in range(len(tokens) - 2, 0, -1):
        if tokens[dash].text in "―—" and tokens[dash - 1].text in _QUOTE_MARKS:
            end = len(tokens) - (tokens[-1].text in ".!?")
            if end - dash - 1 > _MAX_SPEAKER_TOKENS or not tokens[dash + 1].text[0].isupper():
                return None
            words = tokens[dash + 1 : end]
            names = words[: next((i for i, w in enumerate(words) if w.text == ","), len(words))]
            if _plausible_speaker(names):
                return (dash + 1, dash + 1 + len(names)), (0, tokens[dash - 1].end)
            return None
    return None


def _skip_time_back(tokens: list[_Token], end: int) -> int:
    """Move `end` back over a time phrase ("on Thursday", "last week")."""
    for start in range(max(0, end - 4), end):
        phrase = " ".join(t.text for t in tokens[start:end])
        if _TIME.fullmatch(" " + phrase):
            return start
    return end


def _speaker_after(tokens: list[_Token], start: int) -> tuple[int, int] | None:
    end = start
    while end < len(tokens) and end - start < _MAX_SPEAKER_TOKENS:
        word = tokens[end].text
        if word in _CLAUSE_PUNCT or word in ".!?" or word.lower() in _NP_STOP - {"of"}:
            break
        following = tokens[end + 1].text.lower() if end + 1 < len(tokens) else ""
        if (
            end > start
            and _participle(word)
            and (
                following in _NP_STOP
                or not following.isalpha()
                or (end + 1 < len(tokens) and _time_word(tokens, end + 1))
            )
        ):
            break  # "a New York Times/CBS News poll released last week", "a complaint filed by"
        end += 1
    return (start, end) if _plausible_speaker(tokens[start:end]) else None


def _untagged(words: list[_Token]) -> list[_Token]:
    """A speaker judged by its name: "Rep. Jim Jordan (R-Ohio)", "Gwen Moore (D-Wis.)"."""
    while words and _PAREN_TAG.fullmatch(words[-1].text):
        words = words[:-1]
    return words


def _named_speaker(words: list[_Token]) -> bool:
    """A pronoun, a name, or a phrase headed by a known speaker noun."""
    words = _untagged(words)
    if not words:
        return False
    last = words[-1].text
    if len(words) == 1 and last.lower() in PRONOUNS:
        return True
    return (last[0].isupper() and not last.endswith(("'s", "’s"))) or last.lower() in SPEAKER_NOUNS


def _plausible_speaker(words: list[_Token]) -> bool:
    """A speaker is a pronoun, a name, or a phrase headed by a speaker noun."""
    words = _untagged(words)
    if not words:
        return False
    texts = [w.text for w in words]
    lowered = [t.lower() for t in texts]
    if len(texts) == 1 and lowered[0] in PRONOUNS:
        return True
    if any(t in PRONOUNS for t in lowered):
        return False  # "he and she", "it is" ... : not a plain speaker phrase
    verbs = [t for i, (t, w) in enumerate(zip(lowered, texts, strict=True))
             if w.islower() and 0 < i < len(texts) - 2]  # fmt: skip
    if any((t in _CUE_SET and t not in _NOUN_LIKE_CUES) or t in _BE for t in verbs):
        return False  # a clause, not a speaker: "Rail workers called off a strike"
    if len(lowered) == 1 and (lowered[0] in _NOT_NAMES or lowered[0] in _CALENDAR):
        return False
    head = lowered[-1].rstrip(".")
    if head in _CALENDAR or head in _MONTHS or head in NOT_SPEAKER_HEADS or head.isdigit():
        return False  # "In June", "Telegram later", "Fresh evidence", "2023"
    if lowered[0] in {"in", "on", "at", "during", "since", "by"}:
        return False  # a phrase of time or place opening a sentence
    if head.endswith(("'s", "’s")):
        return False  # a possessive is not a head ("Seoul's confirmation")
    if head in SPEAKER_NOUNS:
        return True
    if len(texts) >= 2 and head.isalpha() and not (_adverb(head) or head.endswith(("ed", "ing"))):
        return True  # "the commission says", "civil rights activists say"
    content = [t for t, low in zip(texts, lowered, strict=True) if low not in _DETERMINERS]
    return bool(content) and content[-1][0].isupper() and lowered[0] not in {"i", "we"}


def _build(
    sentence: Sentence,
    tokens: list[_Token],
    cue: int,
    length: int,
    speaker_span: tuple[int, int],
    content_span: tuple[int, int],
) -> Claim:
    first, last = tokens[speaker_span[0]], tokens[speaker_span[1] - 1]
    speaker_end = last.end - 2 if last.text.endswith(("’s", "'s")) else last.end  # "Trump's"
    speaker = sentence.text[first.start : speaker_end]
    cue_text = " ".join(t.text for t in tokens[cue : cue + length]).lower()
    content = sentence.text[content_span[0] : content_span[1]].strip(" ,.;:")
    return Claim(
        sentence=sentence.text,
        start=sentence.start,
        end=sentence.end,
        speaker=speaker,
        speaker_key=speaker_key(speaker),
        cue=cue_text,
        content=content,
        quote=_is_quote(content, sentence.text[: min(first.start, tokens[cue].start)]),
        quantities=tuple(find_quantities(sentence.text)),
        speaker_start=sentence.start + first.start,
        speaker_end=sentence.start + speaker_end,
    )


def _is_quote(content: str, before_attribution: str) -> bool:
    """A direct quote: the content is mostly inside quotation marks, or the sentence
    opens with a quote that closes right before the speaker ('"...," he said')."""
    quoted = sum(len(m) for m in re.findall(r"[\"“]([^\"”]+)[\"”]", content))
    # the quote opens at the sentence's start, or in an earlier sentence ("... concerns,”
    # Solovey said" closes a quote it did not open)
    opens = (
        before_attribution.lstrip()[:1] in {'"', "“"} or before_attribution.startswith("''")
        or _quote_balance(before_attribution) < 0
    )  # fmt: skip
    return quoted >= 0.6 * max(1, len(content)) or (
        opens and bool(re.search(r"[,?!](?:[\"”]|'')\s*$", before_attribution.rstrip()))
    )


# Keys are stored in a column of this width (storage.models.ClaimRow.speaker_key). A
# key this long is a whole described source ("a Syrian refugee who feared ..."), seen
# in real corpus pages; its first 120 characters tell such sources apart well enough.
SPEAKER_KEY_MAX = 120


def speaker_key(speaker: str) -> str:
    """A speaker folded for comparison: an acronym it carries or an organisation's
    initials ("nis"), a person's last name ("budanov"), else the lowercase phrase
    without determiners ("ukrainian officials")."""
    acronym = _ACRONYM.search(speaker)
    if acronym:
        return acronym.group(1).lower()
    words = re.findall(r"[\w’'.-]+", speaker)
    if words and words[-1][0].islower():
        phrase = " ".join(w.lower() for w in words if w.lower() not in _DETERMINERS)
        return phrase[:SPEAKER_KEY_MAX].rstrip()
    name = _name_part(words)
    if len(name) > 1 and name[-1].lower() in _ORG_HEADS:
        return "".join(w[0] for w in name if w[0].isupper()).lower()
    return name[-1].rstrip(".").lower() if name else ""


def _name_part(words: list[str]) -> list[str]:
    """The capitalised run at the end of a phrase, after any possessive
    ("South Korea's National Intelligence Service" -> National Intelligence Service)."""
    name: list[str] = []
    for word in reversed(words):
        if not word[0].isupper() or word.endswith(("'s", "’s")):
            break
        name.insert(0, word)
    return name
