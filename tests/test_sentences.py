"""Sentence splitting, checked on pySBD's English "golden rules" and on news copy.

The golden rules are the edge cases that pySBD (MIT licence; a port of the Pragmatic
Segmenter, https://github.com/nipunsadvilkar/pySBD) tests its English segmenter with.
They are restated here as our own cases, numbered as pySBD numbers them. Left out, and
why: the list rules (31-34: "1.) The first item 2.) The second item"), because the
extracted text we split holds one list item per line; and the line-break rules
(35-37: "a sentence\\ncut off in the middle because pdf"), because in our text a line
break is a paragraph break and a sentence never crosses one.
"""

from __future__ import annotations

import pytest

from claims import split_sentences

GOLDEN_RULES = [
    (1, "Hello World. My name is Jonas.", ["Hello World.", "My name is Jonas."]),
    (2, "What is your name? My name is Jonas.", ["What is your name?", "My name is Jonas."]),
    (3, "There it is! I found it.", ["There it is!", "I found it."]),
    (4, "My name is Jonas E. Smith.", ["My name is Jonas E. Smith."]),
    (5, "Please turn to p. 55.", ["Please turn to p. 55."]),
    (6, "Were Jane and co. at the party?", ["Were Jane and co. at the party?"]),
    (7, "They closed the deal with Pitt, Briggs & Co. at noon.",
        ["They closed the deal with Pitt, Briggs & Co. at noon."]),
    (8, "Let's ask Jane and co. They should know.",
        ["Let's ask Jane and co.", "They should know."]),
    (9, "They closed the deal with Pitt, Briggs & Co. It closed yesterday.",
        ["They closed the deal with Pitt, Briggs & Co.", "It closed yesterday."]),
    (10, "I can see Mt. Fuji from here.", ["I can see Mt. Fuji from here."]),
    (11, "St. Michael's Church is on 5th st. near the light.",
         ["St. Michael's Church is on 5th st. near the light."]),
    (12, "That is JFK Jr.'s book.", ["That is JFK Jr.'s book."]),
    (13, "I visited the U.S.A. last year.", ["I visited the U.S.A. last year."]),
    (14, "I live in the E.U. How about you?", ["I live in the E.U.", "How about you?"]),
    (15, "I live in the U.S. How about you?", ["I live in the U.S.", "How about you?"]),
    (16, "I work for the U.S. Government in Virginia.",
         ["I work for the U.S. Government in Virginia."]),
    (17, "I have lived in the U.S. for 20 years.", ["I have lived in the U.S. for 20 years."]),
    (18, "At 5 a.m. Mr. Smith went to the bank. He left the bank at 6 P.M. Mr. Smith then "
         "went to the store.",
         ["At 5 a.m. Mr. Smith went to the bank.", "He left the bank at 6 P.M.",
          "Mr. Smith then went to the store."]),
    (19, "She has $100.00 in her bag.", ["She has $100.00 in her bag."]),
    (20, "She has $100.00. It is in her bag.", ["She has $100.00.", "It is in her bag."]),
    (21, "He teaches science (He previously worked for 5 years as an engineer.) at the local "
         "University.",
         ["He teaches science (He previously worked for 5 years as an engineer.) at the "
          "local University."]),
    (22, "Her email is Jane.Doe@example.com. I sent her an email.",
         ["Her email is Jane.Doe@example.com.", "I sent her an email."]),
    (23, "The site is: https://www.example.50.com/new-site/awesome_content.html. Please check "
         "it out.",
         ["The site is: https://www.example.50.com/new-site/awesome_content.html.",
          "Please check it out."]),
    (24, "She turned to him, 'This is great.' she said.",
         ["She turned to him, 'This is great.' she said."]),
    (25, 'She turned to him, "This is great." she said.',
         ['She turned to him, "This is great." she said.']),
    (26, 'She turned to him, "This is great." She held the book out to show him.',
         ['She turned to him, "This is great."', "She held the book out to show him."]),
    (27, "Hello!! Long time no see.", ["Hello!!", "Long time no see."]),
    (28, "Hello?? Who is there?", ["Hello??", "Who is there?"]),
    (29, "Hello!? Is that you?", ["Hello!?", "Is that you?"]),
    (30, "Hello?! Is that you?", ["Hello?!", "Is that you?"]),
    (38, "You can find it at N°. 1026.253.553. That is where the treasure is.",
         ["You can find it at N°. 1026.253.553.", "That is where the treasure is."]),
    (39, "She works at Yahoo! in the accounting department.",
         ["She works at Yahoo! in the accounting department."]),
    (40, "We make a good team, you and I. Did you see Albert I. Jones yesterday?",
         ["We make a good team, you and I.", "Did you see Albert I. Jones yesterday?"]),
    (41, "Thoreau argues that by simplifying one’s life, “the laws of the universe will "
         "appear less complex. . . .”",
         ["Thoreau argues that by simplifying one’s life, “the laws of the universe will "
          "appear less complex. . . .”"]),
    (42, '"Bohr [...] used the analogy of parallel stairways [...]" (Smith 55).',
         ['"Bohr [...] used the analogy of parallel stairways [...]" (Smith 55).']),
    (43, "If words are left off at the end of a sentence, and that is all that is omitted, "
         "indicate the omission with ellipsis marks (preceded and followed by a space) and "
         "then indicate the end of the sentence with a period . . . . Next sentence.",
         ["If words are left off at the end of a sentence, and that is all that is omitted, "
          "indicate the omission with ellipsis marks (preceded and followed by a space) and "
          "then indicate the end of the sentence with a period . . . .", "Next sentence."]),
    (44, "I never meant that.... She left the store.",
         ["I never meant that....", "She left the store."]),
    (45, "I wasn’t really ... well, what I mean...see . . . what I'm saying, the thing is "
         ". . . I didn’t mean it.",
         ["I wasn’t really ... well, what I mean...see . . . what I'm saying, the thing is "
          ". . . I didn’t mean it."]),
    (46, "One further habit which was somewhat weakened . . . was that of combining words into "
         "self-interpreting compounds. . . . The practice was not abandoned. . . .",
         ["One further habit which was somewhat weakened . . . was that of combining words "
          "into self-interpreting compounds. . . .", "The practice was not abandoned. . . ."]),
]  # fmt: skip

# The abbreviations the issue names, as news copy uses them.
NEWS_CASES = [
    ("The troops moved between Oct. 8 and 13. Seoul said so.",
     ["The troops moved between Oct. 8 and 13.", "Seoul said so."]),
    ("The meeting ended at 9 p.m. on Tuesday.", ["The meeting ended at 9 p.m. on Tuesday."]),
    ("Officials met until late on Tuesday at 9 p.m. The talks resume today.",
     ["Officials met until late on Tuesday at 9 p.m.", "The talks resume today."]),
    ("It was ranked no. 1 in the survey.", ["It was ranked no. 1 in the survey."]),
    ("Yahoo! Inc. said it would sell. Its shares rose.",
     ["Yahoo! Inc. said it would sell.", "Its shares rose."]),
    ("He moved to N.Y. He said it was home.", ["He moved to N.Y.", "He said it was home."]),
    ("N.Y. Gov. Kathy Hochul said so.", ["N.Y. Gov. Kathy Hochul said so."]),
    ("Budanov said more than 11,000 troops\nAustin said he could not confirm it.",
     ["Budanov said more than 11,000 troops", "Austin said he could not confirm it."]),
    ("U.S. Defense Secretary Lloyd Austin said so. Sen. Graham agreed.",
     ["U.S. Defense Secretary Lloyd Austin said so.", "Sen. Graham agreed."]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("rule", "text", "expected"), GOLDEN_RULES, ids=[f"rule{r}" for r, _, _ in GOLDEN_RULES]
)
def test_golden_rules(rule: int, text: str, expected: list[str]) -> None:
    assert [s.text for s in split_sentences(text)] == expected


@pytest.mark.parametrize(("text", "expected"), NEWS_CASES)
def test_news_abbreviations(text: str, expected: list[str]) -> None:
    assert [s.text for s in split_sentences(text)] == expected


def test_a_sentence_never_crosses_a_paragraph() -> None:
    text = "Kyiv's military intelligence chief Kyrylo Budanov believed more than 11,000\n\n"
    text += "US Secretary of Defense Lloyd Austin told reporters Saturday.\n"
    # the demo's digest ran Budanov's sentence on into Austin's paragraph: "Nov. 1." read
    # as an abbreviation and a number, and the line break was taken for a space
    text += "Budanov believed they would be ready to fight by Nov. 1.\nUS Secretary of Defense "
    text += "Lloyd Austin told reporters Saturday he could not confirm it."
    sentences = split_sentences(text)
    assert len(sentences) == 4
    assert all("\n" not in s.text for s in sentences)
    assert [text[s.start : s.end] for s in sentences] == [s.text for s in sentences]
