"""Tell which language a text is written in, well enough to catch a report that drifted.

Small models with a short context drift into another language mid-report (a real one switched
to Russian). Two signals suffice for that: the script of the letters (Cyrillic, Greek, Arabic,
Hebrew, Devanagari, CJK, Hangul, Thai), and for Latin script the share of each language's most
common function words. Numbers, metric names and paths carry no signal and are ignored.
"""

from __future__ import annotations

import functools
import re
import string
import unicodedata
from collections import Counter

_SCRIPT_LANGUAGE = {
    "CYRILLIC": "ru", "GREEK": "el", "ARABIC": "ar", "HEBREW": "he", "DEVANAGARI": "hi",
    "CJK": "zh", "HIRAGANA": "ja", "KATAKANA": "ja", "HANGUL": "ko", "THAI": "th",
}

_FUNCTION_WORDS = {
    "en": "the and of to in is that for with are on as this be by it from or at an was which "
          "we not have has per each than these their our can should",
    "de": "der die das und ist nicht mit den von zu ein eine für auf dem des sich auch werden",
    "fr": "le la les et est des une un du pour dans que qui sur pas avec sont par au plus",
    "es": "el la los las y es de que en un una por con para del se su al lo como más",
    "pt": "o a os as e é de que em um uma por com para do da não se dos das ao",
    "it": "il lo la gli le e è di che in un una per con del della non sono al",
    "nl": "de het een en is van dat op te in voor met zijn niet aan er ook",
}
_WORD_SETS = {lang: frozenset(text.split()) for lang, text in _FUNCTION_WORDS.items()}
# Every language detect_language can name, sorted.
KNOWN_LANGUAGES = tuple(sorted(set(_SCRIPT_LANGUAGE.values()) | set(_WORD_SETS)))
# The English name of each, for prompts ("Write in German only.") and verdicts.
LANGUAGE_NAMES = {
    "en": "English", "ru": "Russian", "de": "German", "fr": "French", "es": "Spanish",
    "pt": "Portuguese", "it": "Italian", "nl": "Dutch", "zh": "Chinese", "ja": "Japanese",
    "ko": "Korean", "ar": "Arabic", "he": "Hebrew", "hi": "Hindi", "el": "Greek", "th": "Thai",
}
# A language tag, loosely as BCP 47 spells one: a language, then subtags ("en-GB", "zh-Hant").
LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*")
# Each function word and the languages it belongs to ("de" is Dutch, German, Spanish...), so
# a text's tokens are looked up once, not once per language.
_WORD_LANGUAGES: dict[str, tuple[str, ...]] = {}
for _lang, _words in _WORD_SETS.items():
    for _word in _words:
        _WORD_LANGUAGES[_word] = (*_WORD_LANGUAGES.get(_word, ()), _lang)
_TOKEN = re.compile(r"[^\W\d_]+", re.UNICODE)
_ASCII_LETTERS = string.ascii_letters.encode("ascii")
# Every byte but an ASCII letter to a space.
_ASCII_LETTERS_ONLY = bytes(code if chr(code) in string.ascii_letters else ord(" ")
                            for code in range(256))


def known_language(tag: str) -> str | None:
    """The code of a language tag the checker can tell ("en-GB" → "en"); None for any other.

    "en-GB" is English: the checker reads the language, not the region.
    """
    if not LANGUAGE_TAG.fullmatch(tag):
        return None
    code = tag.split("-")[0].lower()
    return code if code in KNOWN_LANGUAGES else None


def language_code(tag: str) -> str:
    """:func:`known_language`, or ValueError saying which languages the checker can tell."""
    code = known_language(tag)
    if code is None:
        raise ValueError(unknown_language(tag))
    return code


def unknown_language(tag: str) -> str:
    """Why ``tag`` is refused, with the languages the checker can tell."""
    return f"{tag!r} is not a language the checker can tell; known: " + ", ".join(
        KNOWN_LANGUAGES)


@functools.lru_cache(maxsize=8192)
def script_of(char: str) -> str:
    try:
        name = unicodedata.name(char)
    except ValueError:
        return "UNKNOWN"
    if name.startswith("CJK"):
        return "CJK"
    return name.split(" ", 1)[0]


def detect_language(text: str) -> str:
    """An ISO 639-1 code, or "und" when the text has too few letters to say."""
    if text.isascii():
        # Most report paragraphs are plain ASCII: their letters are a-z and A-Z, all of the
        # Latin script, so the script count below would only confirm Latin. Counting them is
        # one C call: the length the letters take away.
        letters = len(text) - len(text.encode("ascii").translate(None, _ASCII_LETTERS))
        return "und" if letters < 20 else _latin_language(text)
    # Every report line passes through here: count each distinct character once (Counter
    # runs in C) and name the script of those few, instead of asking unicodedata per letter.
    scripts: Counter[str] = Counter()
    letters = 0
    for char, times in Counter(text).items():
        if char.isalpha():
            letters += times
            scripts[script_of(char)] += times
    if letters < 20:
        return "und"
    script, count = scripts.most_common(1)[0]
    if script != "LATIN" and count >= 0.3 * letters:
        return _SCRIPT_LANGUAGE.get(script, script.lower())
    if scripts.get("LATIN", 0) < 0.5 * letters:
        # Mostly non-Latin letters split across scripts; name the largest non-Latin one.
        other = next(s for s, _ in scripts.most_common() if s != "LATIN")
        return _SCRIPT_LANGUAGE.get(other, other.lower())
    return _latin_language(text)


def letter_runs(text: str) -> list[str]:
    """The runs of letters of ``text`` in order, as ``_TOKEN.findall`` finds them."""
    if text.isascii():
        # In ASCII the letters are a-z and A-Z: the same runs, split in C.
        return text.encode("ascii").translate(_ASCII_LETTERS_ONLY).decode("ascii").split()
    return _TOKEN.findall(text)


def _latin_language(text: str) -> str:
    """The language whose function words the text uses most, or "und" below three."""
    hits = dict.fromkeys(_WORD_SETS, 0)
    tokens = letter_runs(text.lower())
    # Only the function words among the distinct words, each counted in C.
    for token in _WORD_LANGUAGES.keys() & set(tokens):
        times = tokens.count(token)
        for lang in _WORD_LANGUAGES[token]:
            hits[lang] += times
    best, most = "en", hits["en"]
    for lang, count in hits.items():
        if count > most:
            best, most = lang, count
    if most < 3 or sum(count == most for count in hits.values()) > 1:
        # Too few function words, or as many of two languages' ("de", "en" are Spanish and
        # French both, in a line of hardware names): the text does not say which it is.
        return "und"
    return best


def language_share(text: str, language: str) -> float:
    """The share of the text's lines (with letters) that read as ``language``."""
    lines = [line for line in text.splitlines() if sum(c.isalpha() for c in line) >= 20]
    if not lines:
        return 1.0
    same = sum(1 for line in lines if detect_language(line) in (language, "und"))
    return same / len(lines)
