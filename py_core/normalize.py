"""Written forms to the words a careful reader says: `normalize_text(text, language)`.

One left-to-right pass of one regular expression per language (built once, cached): each match starts
a word and is a number in some role (money, percentage, measure, date, time, ordinal, fraction, range,
phone number, software version), a URL or e-mail address, a roman numeral after a title or a name, an
abbreviation or an acronym, and is replaced by words from py_core.number_words and
py_core.normalize_tables. Everything else is left as it was. Every pattern is bounded or anchored at the
start of a run of characters, so the time is linear in the length of the text. Stdlib only; no
number-to-words library: the rules are written out per language in py_core.number_words, and measured
against num2words they read as well or better (scripts/normalize_num2words.py).
"""

import re

from py_core.normalize_tables import (
    INITIALISMS,
    LANGS,
    NOUN_GENDER,
    PER_ONLY_UNITS,
    SENTENCE_FINAL,
    VULGAR_FRACTIONS,
    Lang,
)
from py_core.number_words import cardinal, digits, es_apocope, ordinal, pt_feminine, year

LANGUAGES = tuple(LANGS)
D = "[0-9]"  # ASCII digits only: other scripts' digits stay as they are


def normalize_text(text: str, language: str = "english") -> str:
    """`text` with numbers, dates, money, symbols and abbreviations written out as words.

    `language`: an upstream config language (english, french, german, spanish, italian, portuguese,
    dutch). Raises ValueError for any other language; never fails on the text itself.
    """
    if language not in LANGS:
        raise ValueError(f"unknown language {language!r}: expected one of {', '.join(LANGUAGES)}")
    return _normalizer(language).run(text)


def classify(text: str, language: str = "english") -> list[tuple[str, tuple[int, int], dict[str, str]]]:
    """The forms `normalize_text` reads in `text`, in order: (semiotic class, (start, end), fields).

    The class (date, time, money, measure, percent, range, phone, ordinal, fraction, decimal, year,
    cardinal, url, ...) is decided by the form's shape and its neighbours before it is read; the fields are
    the pattern's named parts (e.g. {"qcur": "$", "qnum": "3.50"}). Raises ValueError for an unknown
    language.
    """
    if language not in LANGS:
        raise ValueError(f"unknown language {language!r}: expected one of {', '.join(LANGUAGES)}")
    return _normalizer(language).classify(text)


_CACHE: dict[str, "_Normalizer"] = {}


def _normalizer(language: str) -> "_Normalizer":
    if language not in _CACHE:
        _CACHE[language] = _Normalizer(LANGS[language])
    return _CACHE[language]


def _alternatives(words) -> str:
    """A regex alternation of literal words, longest first."""
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


def roman_value(text: str) -> int | None:
    """The value of a well-formed roman numeral (1..3999), else None."""
    if not text or not _ROMAN.fullmatch(text):
        return None
    values = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}
    total = 0
    for i, c in enumerate(text):
        value = values[c]
        total += -value if i + 1 < len(text) and values[text[i + 1]] > value else value
    return total


_ROMAN = re.compile(r"M{0,3}(CM|CD|D?C{0,3})(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})")
# Capitalized words that are not names before a roman numeral ("Type X", "Malcolm X").
_NOT_NAMES = frozenset("The A An In On At Type Class Model Malcolm Grade Mark Series Version Level".split())
_EN_MONTH_ABBREVIATIONS = {
    name: number
    for number, names in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "", "Jun", "Jul", "Aug", "Sep Sept", "Oct", "Nov", "Dec"), 1
    )
    for name in names.split()
}
# ein-words and dieser/jeder before a German ordinal ("sein 100. Geburtstag", "jede 3. Woche").
_DE_DETERMINER = re.compile(r"(ein|kein|mein|dein|sein|ihr|unser|euer|eur|dies|jed)(|e|er|es|em|en)")
# Scientific notation, "3.2e-5": the words between the number and its power of ten. English says the
# exponent as an ordinal ("times ten to the minus fifth"), the others as a cardinal ("mal zehn hoch
# minus fünf", "fois dix puissance moins cinq", "por diez elevado a menos cinco", "vezes dez elevado a
# menos cinco", "per dieci alla meno cinque", "maal tien tot de macht min vijf").
_TIMES_TEN = {
    "english": "times ten to the",
    "german": "mal zehn hoch",
    "french": "fois dix puissance",
    "spanish": "por diez elevado a",
    "portuguese": "vezes dez elevado a",
    "italian": "per dieci alla",
    "dutch": "maal tien tot de macht",
}
# English fraction shapes said as two numbers (Merriam-Webster: "twenty-four seven", "nine eleven").
_SAID_AS_NUMBERS = {"24/7": "twenty-four seven", "9/11": "nine eleven"}
_NEXT_WORD = re.compile(r" ([^\W\d_]+)(?![\w'’-])")
_LETTER = re.compile("[A-Za-zÀ-ÖØ-öø-ÿ]")
_DIGIT = re.compile(D)
_GLUED = re.compile(f"(?<={_LETTER.pattern}){D}+|{D}+(?={_LETTER.pattern})")
# "3:1" (a ratio or a score): "three to one", "drei zu eins" (Duden 'zu'), "drie tegen een".
_RATIO_WORD = {"german": "zu", "dutch": "tegen"}
# "5 × 3", "±5": the times sign and the plus-minus sign said.
_TIMES_WORD = {
    "english": "times", "german": "mal", "french": "fois", "spanish": "por", "italian": "per",
    "portuguese": "vezes", "dutch": "maal",
}  # fmt: skip
_PLUS_MINUS = {
    "english": "plus or minus", "german": "plus minus", "french": "plus ou moins", "spanish": "más o menos",
    "italian": "più o meno", "portuguese": "mais ou menos", "dutch": "plus of min",
}  # fmt: skip
# English words after "a 12 kg" that are no noun the measure describes ("a 5 km of road" is rare; "a 5 km
# and a 10 km run").
_NOT_NOUNS = frozenset("of per and or to in on at from for than by with away is was are were".split())
# German words after which a number is a label, not a count ("Kapitel 1 Die Anfänge"), and the
# prepositions that take the dative ("vor einem Jahr", "nach einer Stunde").
_DE_LABELS = frozenset(
    "Kapitel Seite Nummer Nr. Abschnitt Punkt Tabelle Abbildung Platz Gleis Linie Teil Band".split()
)
_IT_ARTICLES = frozenset(
    "il lo la i gli le al allo alla ai agli alle del dello della dei nel nello nella sul".split()
)
# Words after which a German ordinal takes -en ("am dritten", "ab ersten Januar").
_DE_DATIVE_ARTICLES = frozenset(
    "am Am vom Vom zum Zum im Im beim den dem des ab Ab seit Seit bis Bis".split()
)
_DE_WEEKDAYS = frozenset(
    "Mo. Di. Mi. Do. Fr. Sa. So. Montag Dienstag Mittwoch Donnerstag Freitag Samstag Sonntag".split()
)
_DE_DATE_WORDS = frozenset("am Am vom Vom zum bis ab Ab den dem seit Seit".split()) | _DE_WEEKDAYS
_DE_DATIVE = frozenset("mit nach vor seit von aus bei zu Mit Nach Vor Seit Von Aus Bei Zu".split())
_AMPM = r"(?P<ampm>[AaPp]\.?[Mm]\.?)(?![A-Za-z])"


class _Normalizer:
    """The compiled pattern and the readings of one language."""

    def __init__(self, lang: Lang):
        self.lang = lang
        self.name = lang.name
        if lang.decimal == ".":
            number = rf"{D}{{1,3}}(?:,{D}{{3}})+(?:\.{D}+)?|{D}+(?:\.{D}+)?|\.{D}+"
        else:
            # Groups of three with a plain space too, from five digits on ("10 000", not "2 100"): the
            # separator that RAE, DIN 5008 and the SI brochure recommend; and a round "1 000".
            spaced = (
                rf"(?={D}{{1,3}} {D}{{3}})(?:{D}{{2,3}}(?: {D}{{3}})+|{D}(?: {D}{{3}}){{2,}}|{D} 000)"
                rf"(?![0-9]| {D})"
            )
            number = rf"{spaced}(?:,{D}+)?|{D}{{1,3}}(?:{lang.thousands}{D}{{3}})+(?:,{D}+)?|{D}+(?:,{D}+)?"
        self.number_re = number
        prefix_currencies = [c for c in lang.currencies if not c.isalpha()]
        codes = [c for c in lang.currencies if c.isalpha()]
        currency_prefix = rf"(?:{_alternatives(prefix_currencies)}|(?:{_alternatives(codes)})\s?)"
        units = list(lang.units) + ["%"] + list(lang.currencies)
        months = _alternatives(lang.months + tuple(m[0].upper() + m[1:] for m in lang.months))
        if self.name == "english":  # also lower case, but not "may" and "mar" (verbs); abbreviations "Dec."
            written = lang.months + tuple(_EN_MONTH_ABBREVIATIONS)
            months = _alternatives(
                written + tuple(w.lower() for w in written if w not in ("May", "Mar")) + ("may",)
            )
        # The country's own phone shapes (not a grouped number: no group of "000").
        national_phones = {
            # Spain: 612 345 678, 912 34 56 78 (mobiles 6/7, landlines 8/9).
            "spanish": rf"[6-9]{D}{{2}} (?!000)[0-9]{{3}} (?!000)[0-9]{{3}}|[89]{D}{{2}}(?: {D}{{2}}){{3}}",
            # Italy: 333 123 4567, 06 1234 5678, 02 1234 5678, 06/12345678.
            "italian": rf"3{D}{{2}} {D}{{3}} {D}{{4}}|0{D}{{1,3}} {D}{{3,4}} {D}{{4}}|0{D}{{1,3}}/{D}{{6,8}}",
            # Portugal: 212 345 678, 912 345 678; Brazil: (11) 91234-5678, 91234-5678.
            "portuguese": rf"[29]{D}{{2}} (?!000)[0-9]{{3}} (?!000)[0-9]{{3}}|9?{D}{{4}}-{D}{{4}}",
            # Germany: 030 1234567, 0171 1234567, 030 12345-67.
            "german": rf"0{D}{{2,4}}[ /]{D}{{3,8}}(?:-{D}{{1,5}})?",
            "dutch": rf"0{D}{{1,3}}[ -]{D}{{6,8}}",
        }.get(self.name)
        national_phones = (
            rf"(?<![\w.,+-])(?:{national_phones})(?![0-9]|[.,][0-9])" if national_phones else "(?!)"
        )
        phone_group = rf"(?:[ -]?\({D}{{1,8}}\)|[ -]\(?{D}{{1,8}}\)?)"
        parts = [
            # URLs, e-mail addresses, bare domains.
            r"(?P<url>(?<![\w@])(?:https?://|www\.)[^\s<>\"]{0,2000}[^\s<>\".,;:!?)\]'’])",
            r"(?P<email>(?<![\w.%+-])[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,6}"
            r"\.[A-Za-z]{2,24}(?![\w-]))",
            r"(?P<domain>(?<![\w@.-])[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,4}"
            r"\.(?:com|org|net|edu|gov|io|fr|de|es|it|pt|nl|be|ch|uk|eu|br|info|dev|app)(?![\w-]|\.\w)"
            r"(?:/[^\s<>\"]{0,2000}[^\s<>\".,;:!?)\]'’])?)",
            # Phone numbers: international, (555) 123-4567, 555-123-4567, 01 23 45 67 89.
            # The country code may be in brackets, "(+34)", and the national 0 after it, "+49 (0)30".
            rf"(?P<phone>(?:\+{D}{{1,3}}|\(\+{D}{{1,3}}\))(?P<trunk>\s?\(0\){D}{{1,8}})?"
            rf"(?(trunk){phone_group}{{1,6}}|{phone_group}{{2,6}})(?![0-9]|[.,][0-9])"
            rf"|(?<![\w(])\({D}{{2,4}}\)[\s-]?{D}{{3,5}}[ .-]{D}{{3,4}}(?![0-9])"
            rf"|(?<![\w.,+-])1[ .-]{D}{{3}}[ .-]{D}{{3}}[ .-]{D}{{4}}(?![0-9])"
            rf"|(?<![\w.,+-])1-8{D}{{2}}-[A-Z]{{4,10}}(?![\w-])"
            rf"|(?<![\w.,-]){D}{{3}}(?P<phsep>[.-]){D}{{3}}(?P=phsep){D}{{4}}(?![0-9-])"
            rf"|(?<![\w.,]){D}0?{D}(?P<frsep>[ .-]){D}{{2}}(?:(?P=frsep){D}{{2}}){{3}}(?![0-9])"
            rf"|{national_phones})",
            # Dates.
            rf"(?P<iso>(?<![\w.,-])(?P<isoy>{D}{{4}})-(?P<isom>{D}{{2}})-(?P<isod>{D}{{2}})(?![0-9]))",
            rf"(?P<numdate>(?<![\w.,/-])(?P<nd1>{D}{{1,2}})(?P<ndsep>[/.-])(?P<nd2>{D}{{1,2}})(?P=ndsep)"
            rf"(?P<nd3>{D}{{4}})(?![0-9]))",
        ]
        if self.name == "german":  # "am 3.10.": day and month without a year, after a preposition
            parts.append(rf"(?P<dmdate>(?<![\w.,])(?P<dmd>{D}{{1,2}})\.(?P<dmm>{D}{{1,2}})\.(?!\w|[.,]{D}))")
        if self.name == "english":
            parts += [
                rf"(?P<mdy>(?P<mdym>{months})(?:(?<=[a-z])\.)?\s+(?P<mdyd>{D}{{1,2}})(?:st|nd|rd|th)?(?![\w])"
                rf"(?:,?\s+(?P<mdyy>{D}{{4}})(?![0-9]))?)",
                rf"(?P<dmy>(?<![\w.,])(?P<dmyd>{D}{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<dmym>{months})"
                rf"(?![\w])(?:,?\s+(?P<dmyy>{D}{{4}})(?![0-9]))?)",
            ]
        else:
            parts += [
                # Month, day and year ("junio 11 2000", "11 de junio de 2000" is below): with a year only.
                rf"(?P<mdy>(?P<mdym>{months})\s+(?P<mdyd>{D}{{1,2}})(?![\w])(?:,?\s+(?P<mdyy>{D}{{4}})(?![0-9])))",
                rf"(?P<dmy>(?<![\w.,])(?P<dmyd>{D}{{1,2}})(?:er|º|°|\.)?\s+(?:de\s+)?(?P<dmym>{months})"
                rf"(?![\w])(?:\s+(?:de\s+|del\s+)?(?P<dmyy>{D}{{4}})(?![0-9]))?)",
            ]
        parts.append(rf"(?P<my>(?P<mym>{months})\s+(?P<myy>{D}{{4}})(?![0-9]))")
        # Times.
        # A dash between two times is "to": "10am-2pm", "9:00–17:00" (a range, like "10–20").
        until = rf"\s?[-–]\s?(?={D}{{1,2}}(?::{D}{{2}}|\s?[AaPp]\.?[Mm]))"
        parts.append(
            rf"(?P<time>(?<![\w:.,])(?P<th>{D}{{1,2}}):(?P<tm>{D}{{2}})(?::(?P<ts>{D}{{2}}))?(?![0-9:])"
            rf"(?:\s?{_AMPM})?(?:\s?(?P<tuhr>Uhr|uur|h)(?!\w))?(?P<tto>{until})?)"
        )
        # Two hours before one am/pm: "1-2pm", "9–11 a.m." ("one to two P M").
        parts.append(
            rf"(?P<hrange>(?<![\w:.,])(?P<hr1>{D}{{1,2}})\s?[-–]\s?(?P<hr2>{D}{{1,2}})\s?"
            rf"{_AMPM.replace('ampm', 'ampm4')})"
        )
        # A ratio or score, "3:1", "16:9" (not a time: the minutes of a time have two digits).
        parts.append(rf"(?P<ratio>(?<![\w:.,])(?P<ra>{D}{{1,3}}):(?P<rb>{D}{{1,3}})(?![0-9:]|[.,][0-9]))")
        parts.append(
            rf"(?P<hampm>(?<![\w:.,])(?P<hh>{D}{{1,2}})\s?{_AMPM.replace('ampm', 'ampm2')}(?P<tto2>{until})?)"
        )
        if self.name == "english":
            parts.append(
                rf"(?P<ampmdot>(?<![\w:.,])(?P<adh>{D}{{1,2}})\.(?P<adm>{D}{{2}})\s?"
                rf"{_AMPM.replace('ampm', 'ampm3')})"
            )
            # An abbreviated year: "in '98".
            parts.append(r"(?P<ayear>(?<![\w'’])['’](?P<ay>[0-9]{2})(?![\w'’]|[.,][0-9]))")
            # Feet and inches: 5'11", 6′2″.
            parts.append(rf"(?P<feet>(?<![\w'’.])(?P<ft>{D})['’′](?P<inch>{D}{{1,2}})(?:\"|″|'')(?!\w))")
        if self.name in ("german", "dutch"):
            parts.append(
                rf"(?P<dottime>(?<![\w:.,])(?P<dth>{D}{{1,2}})\.(?P<dtm>{D}{{2}})\s?(?P<dtuhr>Uhr|uur)(?!\w))"
            )
        if self.name == "german":
            parts.append(rf"(?P<uhr>(?<![\w:.,])(?P<uh>{D}{{1,2}})\s?Uhr(?!\w))")
        if self.name in ("french", "portuguese"):
            parts.append(rf"(?P<htime>(?<![\w:.,])(?P<hth>[01]?{D}|2[0-4])\s?h\s?(?P<htm>{D}{{2}})?(?![\w]))")
        # Decades.
        if self.name == "english":
            parts.append(
                rf"(?P<decade>(?<![\w'’])(?:(?P<dec4>1[1-9]{D}0|20{D}0)['’]?s|['’]?(?P<dec2>[2-9]0)s)(?!\w))"
            )
        if self.name == "german":
            parts.append(rf"(?P<decade>(?<![\w])(?:(?P<dec4>1[1-9]{D}0|20{D}0)|(?P<dec2>[2-9]0))er(?!\w))")
        # Ordinals.
        ordinal_suffix = {
            "english": r"st|nd|rd|th",
            "french": r"ère|ème|eme|re|er|nde|nd|(?<=\b2)de|(?<=\b2)d|e|è|ᵉʳ|ʳᵉ|ᵉ",
            "dutch": r"ste|de|e",
            "spanish": r"\.?[ºª]|\.?er|\.?ᵉʳ",
            "italian": r"[ºª]",
            "portuguese": r"\.?[ºª]",
            "german": r"\.(?=\s+\w)",
        }[self.name]
        ordinal_number = (
            rf"{D}{{1,3}}(?:,{D}{{3}})+|{D}{{1,15}}" if self.name == "english" else rf"{D}{{1,15}}"
        )
        parts.append(rf"(?P<ord>(?<![\w.,])(?P<on>{ordinal_number})(?P<os>{ordinal_suffix})(?!\w))")
        if self.name == "italian":  # "il XXI secolo": the century as an ordinal (ventunesimo)
            parts.append(r"(?P<rcent>(?<![\w])(?P<rc>[IVXL]{1,7})(?=\s+secolo\b))")
        if self.name == "french":
            parts.append(r"(?P<rord>(?<![\w])(?P<ro>[IVXLC]{1,7})(?P<ros>ère|ème|er|re|e)(?!\w))")
        # Fractions.
        vulgar = "".join(VULGAR_FRACTIONS)
        parts.append(
            rf"(?P<frac>(?<![\w/.,])(?:(?P<fw>{D}{{1,3}})(?:\s|-(?={D}/)))?(?P<fn>{D}{{1,3}})/(?P<fd>{D}{{1,3}})"
            rf"{'(?:st|nd|rd|th)?' if self.name == 'english' else ''}"
            rf"(?![\w/]|[.,]{D}))"
        )
        parts.append(rf"(?P<vfrac>(?<![\w.,])(?P<vw>{D}{{1,3}})?(?P<vf>[{vulgar}]))")
        # Software versions: "v2.3.1", "V10.4".
        parts.append(rf"(?P<version>[vV](?P<ver>{D}{{1,4}}(?:\.{D}{{1,4}}){{1,4}})(?![\w]|\.[0-9]))")
        # Dotted digit groups: IP addresses, versions without a "v" (not a thousands-separated number).
        thousands_form = rf"(?!{D}{{1,3}}(?:\.{D}{{3}})+(?![.0-9]))" if lang.decimal == "," else ""
        parts.append(
            rf"(?P<dotted_digits>(?<![\w.,]){thousands_form}{D}{{1,4}}(?:\.{D}{{1,4}}){{2,5}}(?![\w]|\.[0-9]))"
        )
        if self.name in _TIMES_TEN:  # scientific notation: "3.2e-5", "6,02E23"
            point = re.escape(lang.decimal)
            parts.append(
                rf"(?P<sci>(?<![\w.,])(?P<scm>{D}{{1,3}}(?:{point}{D}{{1,12}})?)[eE](?P<sce>[-−+]?{D}{{1,3}})"
                rf"(?![\w]|[.,]{D}))"
            )
        if self.name == "english":  # "€3,50": a euro amount written with the decimal comma of its country
            parts.append(rf"(?P<commacents>(?<![\w.,])€(?P<ccw>{D}{{1,3}}),(?P<ccf>{D}{{2}})(?![0-9]|,{D}))")
        # Numbers: signs, currencies, ranges, scales, units, percentages.
        scales = _alternatives(lang.scales)
        units_re = _alternatives(units)
        self.per_units = {**lang.units, **PER_ONLY_UNITS[lang.name]}
        per_units = _alternatives(self.per_units)
        # "1.5M users", "3bn": million and billion without a currency (English; "m" and "k" are units).
        scale_alone = r"(?:(?P<qabbr2>M|bn)(?![\w]))?" if self.name == "english" else ""
        # English writes a measure before a noun with a hyphen too: "a 5-km run".
        unit_gap = r"(?:\s?|-(?=[a-zA-Z]))" if self.name == "english" else r"\s?"
        parts.append(
            rf"(?P<q>(?<![\w.,])(?P<qsign>[-−+±](?=\.?[0-9]|[€$£¥₩₹]|[A-Z]{{3}}\s?[0-9]))?"
            rf"(?:(?P<qcur>{currency_prefix})\s?)?(?P<qnum>{number})"
            rf"(?:(?P<qdash>\s?[–—]\s?|-)(?:{currency_prefix})?(?P<qnum2>{number}))?"
            rf"(?:\s?(?P<qscale>{scales})(?![\w]))?"
            rf"(?(qcur)(?:(?P<qabbr>{_alternatives(lang.scale_abbreviations)})(?![\w]))?|{scale_alone})"
            rf"(?:{unit_gap}(?P<qunit>{units_re})(?:/(?P<qper>{per_units}))?|\s?/(?P<qper0>{per_units}))?(?![\w]))"
        )
        # Roman numerals after a title word or a name.
        parts.append(rf"(?P<rtitle>(?P<rt>{_alternatives(lang.titles)})\s+(?P<rn>[IVXLCDM]{{1,8}})(?![\w]))")
        regnal = r"Ier|Ire|[IVX]{2,7}|V|X" if self.name == "french" else r"[IVX]{2,7}|V|X"
        parts.append(
            rf"(?P<regnal>(?<![\w])(?P<rk>[A-ZÀ-Ý][a-zà-ÿ]+)\s+(?P<rr>{regnal})(?P<rdot>\.)?(?![\w]))"
        )
        # Abbreviations, acronyms, symbols.
        abbreviations = list(lang.abbreviations) + list(lang.conditional)
        if self.name == "english":
            abbreviations.append("St.")
        parts.append(rf"(?P<abbr>(?<![\w.])(?:{_alternatives(abbreviations)})(?!\w))")
        parts.append(r"(?P<dotted>(?<![\w.])(?:[A-Z]\.){2,6}(?!\w))")
        parts.append(r"(?P<acro>(?<![\w.])[A-Z]{2,5}(?![\w]|\.[A-Za-z]))")
        parts.append(rf"(?P<hash>#(?={D}))")
        parts.append(r"(?P<sym>(?<=\s)[&+=×](?=\s))")
        # Every form starts a word: a position inside a word is passed over at once, before the many
        # alternatives are tried (most of the time of a pass on long text is spent in this scan).
        named = [re.match(r"\(\?P<(\w+)>", part) for part in parts]
        assert all(named), "every alternative is a named group"
        unclassed = {m.group(1) for m in named if m} - _TOP_LEVEL
        assert not unclassed, f"alternatives without a class in _CLASSES: {unclassed}"
        self.pattern = re.compile(rf"(?<!\w)(?:{'|'.join(parts)})")
        self.units = lang.units

    # ----- the pass -----

    def run(self, text: str) -> str:
        self.text = text
        self._start = 0
        try:
            said = self.pattern.sub(self._replace, text)
        finally:
            self.text = ""
        # Digits glued to letters, left by the pass: "MP3", "4K", "H2O" are said "MP three", "four K".
        return _GLUED.sub(self._glued, said) if _DIGIT.search(said) else said

    def _glued(self, m: re.Match) -> str:
        before = " " if m.start() and _LETTER.match(m.string, m.start() - 1) else ""
        after = " " if _LETTER.match(m.string, m.end()) else ""
        return before + self.integer(m.group(0)) + after

    def classify(self, text: str) -> list[tuple[str, tuple[int, int], dict[str, str]]]:
        self.text = text
        try:
            found = []
            for m in self.pattern.finditer(text):
                kind = _kind(m)
                try:  # a form its reading turns down ("you may 5": no date) is read as plain numbers
                    getattr(self, "_" + kind)(m)
                    cls = self.semiotic_class(kind, m)
                except (ValueError, KeyError, IndexError):
                    if not re.search("[0-9]", m.group(0)):
                        continue
                    cls = "cardinal"
                fields = {k: v for k, v in m.groupdict().items() if v is not None and k not in _TOP_LEVEL}
                found.append((cls, m.span(), fields))
            spans = [span for _, span, _ in found]
            for m in _GLUED.finditer(text):  # digits glued to letters that no form took: "MP3", "4K"
                if not any(a <= m.start() < b for a, b in spans):
                    found.append(("alphanumeric", m.span(), {}))
            return sorted(found, key=lambda item: item[1])
        finally:
            self.text = ""

    def semiotic_class(self, kind: str, m: re.Match) -> str:
        """The class of a match of pattern `kind`; numbers (`q`) by their parts: currency, unit, range."""
        if kind != "q":
            return _CLASSES[kind]
        unit = m.group("qunit")
        if m.group("qnum2") or (m.group("qsign") and self.text[m.start() - 1 : m.start()] in ("%", "°")):
            return "range"
        if self.degree_ordinal(m):
            return "ordinal"
        if m.group("qcur") or unit in self.lang.currencies or unit == "¢" or self.currency_follows(m.end()):
            return "money"
        if unit == "%":
            return "percent"
        if unit or m.group("qper0"):
            return "measure"
        if m.group("qsign") in ("-", "−"):
            return "negative"
        whole, frac = self.parse(m.group("qnum"))
        if frac is not None:
            return "decimal"
        if not m.group("qscale") and self.years(whole, None, m.start()):
            return "year"
        if self.name == "spanish" and self.previous_word(m.start()) in ("la", "las"):
            return "time"
        return "cardinal"

    def currency_follows(self, end: int) -> bool:
        """Whether a currency's name follows position `end` ("1 Mrd. Euro", "71 millones de euros")."""
        after = re.match(r"\s+(?:de |di |of |d')?(\w+)", self.text[end : end + 40])
        names = {n.lower() for c in self.lang.currencies.values() for n in (c.singular, c.plural)}
        return after is not None and after.group(1).lower() in names

    def _replace(self, m: re.Match) -> str:
        kind = _kind(m)
        handler = getattr(self, "_" + kind)
        try:
            return handler(m)
        except (ValueError, KeyError, IndexError):  # not what it looked like: read its numbers plainly
            return re.sub(r"[0-9]+", lambda d: self.integer(d.group(0)), m.group(0))

    # ----- helpers -----

    def previous_word(self, start: int) -> str:
        """The word just before position `start` (within 40 characters), else ""."""
        before = self.text[max(0, start - 40) : start]
        if not before[-1:].isspace():
            return ""
        words = before.split()
        return words[-1] if words else ""

    def name_before(self, start: int, previous: str) -> bool:
        """Whether `previous`, the word before `start`, is capitalized inside a sentence (a name)."""
        if not previous[:1].isupper():
            return False
        before = self.text[max(0, start - 60) : start].rstrip()[: -len(previous)].rstrip()
        return bool(before) and before[-1] not in ".!?:;¡¿\n\"'«(—–-"

    def followed_by_sentence_start(self, end: int) -> bool:
        """True when the text ends at `end`, or a new line or an upper-case word follows."""
        rest = self.text[end : end + 3]
        return rest.strip() == "" or rest.startswith("\n") or bool(re.match(r"\s+[A-ZÀ-Ý]", rest))

    def parse(self, number: str) -> tuple[str, str | None]:
        """(integer digits, decimal digits or None) of a written number."""
        lang = self.lang
        if lang.decimal == ".":
            whole, _, frac = number.partition(".")
            whole = whole.replace(",", "")
        else:
            whole, _, frac = number.partition(",")
            whole = re.sub(r"[^0-9]", "", whole)
        return whole, (frac or None)

    def integer(self, digits_text: str) -> str:
        """An integer written with digits, as words (digit by digit when too long or zero-padded)."""
        if len(digits_text) > 15 or (len(digits_text) > 1 and digits_text.startswith("0")):
            return digits(digits_text, self.name)
        return cardinal(int(digits_text), self.name)

    def number(self, whole: str, frac: str | None) -> str:
        if not whole and frac:  # ".5": "point five"
            return f"{self.lang.point} {digits(frac, self.name)}"
        words = self.integer(whole)
        if frac is None:
            return words
        rest = frac.lstrip("0")
        if not self.lang.decimal_as_number or len(rest) > 3 or not rest:
            tail = digits(frac, self.name)
        else:  # "3,05" -> "trois virgule zéro cinq": leading zeros one by one, then the number
            zeros = digits(frac[: len(frac) - len(rest)], self.name)
            tail = (zeros + " " if zeros else "") + cardinal(int(rest), self.name)
        return f"{words} {self.lang.point} {tail}"

    def before_noun(self, words: str, feminine: bool) -> str:
        """A cardinal agreeing with the noun after it (un/une, ein/eine, uno/un/una, um/uma, dois/duas)."""
        name = self.name
        if name == "french" and feminine and (words == "un" or words.endswith(" un")):
            return words + "e"
        if name == "german" and words.endswith("eins"):  # "eine Stunde", but "hundertein Stunden" (Duden)
            return words[:-1] + ("e" if feminine and words == "eins" else "")
        if name == "spanish":
            return es_apocope(words, feminine)
        if name == "italian" and (words == "uno" or words.endswith(" uno")):
            return words[:-1] + ("a" if feminine else "")
        if name == "portuguese" and feminine:
            return pt_feminine(words)
        return words

    def singular(self, whole: str, frac: str | None) -> bool:
        value = int(whole) if whole.isdigit() and len(whole) <= 15 else 2
        if self.name == "french":
            return value < 2
        return value == 1 and frac is None

    def of(self, words: str, noun: str) -> str:
        """ "un million" + "euros" -> "un million d'euros" where the language says so."""
        lang = self.lang
        if lang.of and words.split(" ")[-1] in lang.big_nouns:
            if self.name == "french" and noun[:1] in "aeiouéh":
                return f"{words} d'{noun}"
            return f"{words} {lang.of} {noun}"
        return f"{words} {noun}"

    # ----- handlers -----

    def _url(self, m: re.Match) -> str:
        text = re.sub(r"^https?://", "", m.group(0))
        return self.spell_address(text)

    def _email(self, m: re.Match) -> str:
        return self.spell_address(m.group(0))

    def _domain(self, m: re.Match) -> str:
        return self.spell_address(m.group(0))

    def spell_address(self, text: str) -> str:
        words = []
        for piece in re.findall(r"[A-Za-zÀ-ÿ]+|[0-9]+|\S", text.rstrip("/")):
            if piece.isdigit():
                words.append(digits(piece, self.name))
            elif piece.lower() == "www":
                words.append("W W W")
            elif piece.isalpha():
                words.append(piece)
            elif piece in self.lang.url_words:
                words.append(self.lang.url_words[piece])
        return " ".join(words)

    def _phone(self, m: re.Match) -> str:
        text = m.group(0)
        groups = re.findall(r"[0-9]+|[A-Z]+", text)
        words = [self.lang.plus] if text.lstrip("(").startswith("+") else []
        for i, group in enumerate(groups):
            if group.isalpha():  # 1-800-FLOWERS
                words.append(group)
            elif self.name == "english" and group == "800" and (i == 0 or (i == 1 and groups[0] == "1")):
                words.append("eight hundred")  # the toll-free area code: "one eight hundred", "(800)"
            elif self.name == "french" and len(group) == 2:
                words.append(
                    f"{digits('0', self.name)} {digits(group[1], self.name)}"
                    if group[0] == "0"
                    else cardinal(int(group), self.name)
                )
            else:
                words.append(digits(group, self.name))
        if words and words[0] == self.lang.plus:
            return self.lang.plus + " " + ", ".join(words[1:])
        return ", ".join(words)

    def date(self, day: int, month: int, year_digits: str | None, written_month: str | None = None) -> str:
        """A date in words; raises ValueError when it is no date."""
        if not (1 <= month <= 12 and 1 <= day <= 31):
            raise ValueError("not a date")
        name, lang = self.name, self.lang
        month_name = written_month or lang.months[month - 1]
        year_words = year(int(year_digits), name) if year_digits else None
        if name == "english":
            said = f"{month_name} {ordinal(day, name)}"
            return f"{said}, {year_words}" if year_words else said
        if name == "french":
            day_words = "premier" if day == 1 else cardinal(day, name)
        elif name == "german":
            day_words = ordinal(day, name, ending=self.german_ending())
        elif name == "italian":  # "il primo maggio", but "l'1 marzo" is "l'uno marzo"
            elided = self.text[self._start - 1 : self._start] in ("'", "’")
            day_words = "primo" if day == 1 and not elided else cardinal(day, name)
        elif name == "portuguese":
            day_words = "primeiro" if day == 1 else cardinal(day, name)
        else:
            day_words = cardinal(day, name)
        if name in ("spanish", "portuguese"):
            said = f"{day_words} de {month_name}"
            return f"{said} de {year_words}" if year_words else said
        return f"{day_words} {month_name} {year_words}" if year_words else f"{day_words} {month_name}"

    def german_ending(self) -> str:
        """The ordinal ending after the word before the current match: am dritten, der dritte, dritter."""
        previous = self.previous_word(self._start).rstrip(",")
        if previous in _DE_WEEKDAYS:  # "am Montag, dritten Juni"
            return "en"
        if previous in _DE_DATIVE_ARTICLES:
            return "en"
        if previous in ("der", "Der", "die", "Die", "das", "Das"):
            return "e"
        determiner = _DE_DETERMINER.fullmatch(previous.lower())
        if determiner:  # sein hundertster, seine dritte, seinem dritten (mixed declension after ein-words)
            return {"": "er", "e": "e", "es": "es" if determiner.group(1) == "ein" else "en"}.get(
                determiner.group(2), "en"
            )
        return "er"

    def _iso(self, m: re.Match) -> str:
        self._start = m.start()
        return self.date(int(m.group("isod")), int(m.group("isom")), m.group("isoy"))

    def _numdate(self, m: re.Match) -> str:
        self._start = m.start()
        first, second = int(m.group("nd1")), int(m.group("nd2"))
        day, month = (second, first) if self.name == "english" and first <= 12 else (first, second)
        return self.date(day, month, m.group("nd3"))

    def _dmdate(self, m: re.Match) -> str:
        if self.previous_word(m.start()).rstrip(",") not in _DE_DATE_WORDS:
            raise ValueError("a date without a year only after am, vom, bis ... ('siehe 1.2.': a section)")
        self._start = m.start()
        said = self.date(int(m.group("dmd")), int(m.group("dmm")), None)
        # The date's period also ends the sentence where the text or the line ends (a capital after it
        # is no sign in German, where nouns are capitalized).
        rest = self.text[m.end() : m.end() + 2]
        return said + ("." if rest.strip() == "" or rest.lstrip(" ").startswith("\n") else "")

    def month_number(self, written: str) -> int:
        if self.name == "english" and written.capitalize() in _EN_MONTH_ABBREVIATIONS:
            return _EN_MONTH_ABBREVIATIONS[written.capitalize()]
        months = [m.lower() for m in self.lang.months]
        return months.index(written.lower()) + 1

    def _mdy(self, m: re.Match) -> str:
        written = m.group("mdym")
        if written == "may" and not m.group("mdyy"):
            raise ValueError("the verb 'may' (a date only with a year: 'may 5 2018')")
        month = self.month_number(written)
        self._start = m.start()
        return self.date(int(m.group("mdyd")), month, m.group("mdyy"), self.lang.months[month - 1])

    def _dmy(self, m: re.Match) -> str:
        self._start = m.start()
        written = m.group("dmym")
        day = int(m.group("dmyd"))
        if self.name == "english":
            said = f"{ordinal(day, 'english')} of {self.lang.months[self.month_number(written) - 1]}"
            if self.previous_word(m.start()).lower() != "the":
                said = "the " + said
            if m.group("dmyy"):
                said += ", " + year(int(m.group("dmyy")), "english")
            return said
        return self.date(day, self.month_number(written), m.group("dmyy"), written)

    def _my(self, m: re.Match) -> str:
        return f"{m.group('mym')} {year(int(m.group('myy')), self.name)}"

    def clock(self, hour: int, minute: int, second: int | None, ampm: str | None) -> str:
        """A time of day in words."""
        if hour > 24 or minute > 59 or (second is not None and second > 59):
            raise ValueError("not a time")
        name = self.name
        if name == "english":
            if minute == 0:
                said = cardinal(hour, name) + ("" if ampm else " o'clock")
            elif minute < 10:
                said = f"{cardinal(hour, name)} oh {cardinal(minute, name)}"
            else:
                said = f"{cardinal(hour, name)} {cardinal(minute, name)}"
        elif name == "french":
            hours = self.before_noun(cardinal(hour, name), True)
            said = f"{hours} {'heure' if hour < 2 else 'heures'}"
            said += f" {cardinal(minute, name)}" if minute else ""
        elif name == "german":
            said = f"{self.before_noun(cardinal(hour, name), False)} Uhr"
            said += f" {cardinal(minute, name)}" if minute else ""
        elif name == "dutch":
            said = f"{cardinal(hour, name)} uur" + (f" {cardinal(minute, name)}" if minute else "")
        elif name == "spanish":
            hours = self.before_noun(cardinal(hour, name), True)
            said = f"{hours} y {cardinal(minute, name)}" if minute else f"{hours} en punto"
        elif name == "italian":
            hours = "una" if hour == 1 else cardinal(hour, name)
            said = f"{hours} e {cardinal(minute, name)}" if minute else hours
        else:  # portuguese
            hours = self.before_noun(cardinal(hour, name), True)
            if minute:
                said = f"{hours} e {cardinal(minute, name)}"
            else:
                said = f"{hours} {'hora' if hour == 1 else 'horas'}"
        if second:
            said += f" {self.lang.and_} {cardinal(second, name)} {self.lang.seconds}"
        if ampm:
            said += " " + " ".join(c.upper() for c in ampm if c.isalpha())
        return said

    def ampm_tail(self, m: re.Match, group: str) -> str:
        """Keep a sentence's final period that "p.m." swallowed."""
        ampm = m.group(group)
        return "." if ampm and ampm.endswith(".") and self.followed_by_sentence_start(m.end()) else ""

    def _time(self, m: re.Match) -> str:
        second = m.group("ts")
        said = self.clock(
            int(m.group("th")), int(m.group("tm")), int(second) if second else None, m.group("ampm")
        )
        if m.group("tto"):
            return f"{said} {self.lang.to} "
        return said + self.ampm_tail(m, "ampm")

    def _hampm(self, m: re.Match) -> str:
        hour = int(m.group("hh"))
        if not 1 <= hour <= 12:
            raise ValueError("not a time")
        said = self.clock(hour, 0, None, m.group("ampm2"))
        return f"{said} {self.lang.to} " if m.group("tto2") else said + self.ampm_tail(m, "ampm2")

    def _hrange(self, m: re.Match) -> str:
        first, second = int(m.group("hr1")), int(m.group("hr2"))
        if not (1 <= first <= 12 and 1 <= second <= 12):
            raise ValueError("not hours")
        said = f"{cardinal(first, self.name)} {self.lang.to} {self.clock(second, 0, None, m.group('ampm4'))}"
        return said + self.ampm_tail(m, "ampm4")

    def _ratio(self, m: re.Match) -> str:
        said = _RATIO_WORD.get(self.name, self.lang.to)
        return f"{self.integer(m.group('ra'))} {said} {self.integer(m.group('rb'))}"

    def _dottime(self, m: re.Match) -> str:
        return self.clock(int(m.group("dth")), int(m.group("dtm")), None, None)

    def _uhr(self, m: re.Match) -> str:
        return self.clock(int(m.group("uh")), 0, None, None)

    def _htime(self, m: re.Match) -> str:
        minute = m.group("htm")
        return self.clock(int(m.group("hth")), int(minute) if minute else 0, None, None)

    def _ampmdot(self, m: re.Match) -> str:
        hour, minute = int(m.group("adh")), int(m.group("adm"))
        if not 1 <= hour <= 12:
            raise ValueError("not a time")
        return self.clock(hour, minute, None, m.group("ampm3")) + self.ampm_tail(m, "ampm3")

    def _ayear(self, m: re.Match) -> str:
        two = m.group("ay")
        return f"oh {cardinal(int(two[1]), 'english')}" if two[0] == "0" else cardinal(int(two), "english")

    def _feet(self, m: re.Match) -> str:
        feet, inches = int(m.group("ft")), int(m.group("inch"))
        if inches > 11:
            raise ValueError("not feet and inches")
        said = f"{cardinal(feet, 'english')} {'foot' if feet == 1 else 'feet'}"
        if inches:
            said += f" {cardinal(inches, 'english')} {'inch' if inches == 1 else 'inches'}"
        return said

    def _decade(self, m: re.Match) -> str:
        if m.group("dec4"):
            words = year(int(m.group("dec4")), self.name)
        else:
            words = cardinal(int(m.group("dec2")), self.name)
        if self.name == "german":
            return words + "er"
        head, _, last = words.rpartition(" ")
        last = last[:-1] + "ies" if last.endswith("y") else last + "s"
        return f"{head} {last}" if head else last

    def _ord(self, m: re.Match) -> str:
        self._start = m.start()
        whole, suffix = m.group("on").replace(",", ""), m.group("os")
        if len(whole) > 15 or int(whole) == 0:
            raise ValueError("no ordinal")
        n = int(whole)
        name = self.name
        if name == "german":
            previous = self.previous_word(m.start())
            articles = ("der", "die", "das", "den", "dem", "des", "am", "im", "zum", "zur", "vom", "beim")
            if previous.lower() not in articles + ("ab", "bis") and not _DE_DETERMINER.fullmatch(
                previous.lower()
            ):
                return self.integer(whole) + "."
            return ordinal(n, name, ending=self.german_ending())
        if name == "french":
            if suffix in ("nd", "nde", "d", "de"):  # 2nd, 2de (BDL 'second')
                return "second" if suffix in ("nd", "d") else "seconde"
            return ordinal(n, name, feminine=suffix in ("re", "ère", "ʳᵉ"))
        if name == "spanish" and suffix in (
            ".er",
            "er",
            ".ᵉʳ",
            "ᵉʳ",
        ):  # 1.er, 3.er: primer, tercer (before a noun)
            words = ordinal(n, name)
            return words[:-1] if words.endswith(("primero", "tercero")) else words
        feminine = suffix.endswith("ª")
        return ordinal(n, name, feminine=feminine)

    def _rcent(self, m: re.Match) -> str:
        value = roman_value(m.group("rc"))
        if value is None:
            raise ValueError("not a numeral")
        return ordinal(value, "italian")

    def _rord(self, m: re.Match) -> str:
        numeral, suffix = m.group("ro"), m.group("ros")
        if numeral in ("I",) and suffix in ("er", "re", "ère"):
            return "première" if suffix != "er" else "premier"
        if len(numeral) == 1 and numeral in "LC":
            raise ValueError("a word, not a numeral")
        value = roman_value(numeral)
        if value is None or suffix in ("er", "re"):
            raise ValueError("not a roman ordinal")
        return ordinal(value, "french")

    def fraction(self, numerator: int, denominator: int) -> str:
        """n/d in words: "three quarters", "trois quarts", "drei Viertel"."""
        name = self.name
        one = numerator == 1
        count = cardinal(numerator, name)
        if not 2 <= denominator <= 100:
            raise ValueError("not a fraction")
        if name == "english":
            if denominator == 2:
                noun = "half" if one else "halves"
            elif denominator == 4:
                noun = "quarter" if one else "quarters"
            else:
                noun = ordinal(denominator, name).removeprefix("one ") + ("" if one else "s")
            return f"{count} {noun}"
        if name == "french":
            named = {2: ("demi", "demis"), 3: ("tiers", "tiers"), 4: ("quart", "quarts")}
            if denominator in named:
                singular, plural = named[denominator]
            else:
                singular = ordinal(denominator, name)
                plural = singular + "s"
            return f"{count} {singular if one else plural}"
        if name == "german":
            noun = "halb" if denominator == 2 else ordinal(denominator, name, ending="").capitalize() + "el"
            return f"{self.before_noun(count, False)} {noun}"
        if name == "dutch":
            noun = {2: "half" if one else "halve", 4: "kwart"}.get(denominator) or ordinal(denominator, name)
            return f"{count} {noun}"
        if name == "italian":
            singular = {2: "mezzo", 3: "terzo"}.get(denominator) or ordinal(denominator, name)
            noun = singular if one else singular[:-1] + "i"
            return f"{self.before_noun(count, False)} {noun}"
        # Spanish and Portuguese: medio/meio, tercio/terço, ordinals to ten, then cardinal + "avo(s)".
        special = {
            "spanish": {2: "medio", 3: "tercio", 100: "centésimo", 1000: "milésimo"},
            "portuguese": {2: "meio", 3: "terço", 100: "centésimo", 1000: "milésimo"},
        }[name]
        if denominator in special:
            singular = special[denominator]
        elif denominator <= 10:
            singular = ordinal(denominator, name)
        elif name == "spanish":  # RAE: onceavo, doceavo, veinteavo, treintavo, veintiunavo
            words = cardinal(denominator, name).replace("é", "e").replace("ó", "o")
            if " " in words:
                raise ValueError("no single-word fraction name")
            words = words[:-1] if words.endswith(("a", "uno")) else words
            singular = words + "avo"
        else:  # Portuguese: "um doze avos", "três doze avos"
            return f"{self.before_noun(count, False)} {cardinal(denominator, name)} avos"
        noun = singular if one else singular + "s"
        return f"{self.before_noun(count, False)} {noun}"

    def mixed(self, whole: int, numerator: int, denominator: int) -> str:
        """2½: "two and a half", "deux et demi", "zweieinhalb", "tweeënhalf"."""
        name, words = self.name, cardinal(whole, self.name)
        if (numerator, denominator) == (1, 2):
            half = {
                "english": f"{words} and a half",
                "french": f"{words} et demi",
                "german": (words[:-1] if words.endswith("eins") else words) + "einhalb",
                "spanish": f"{words} y medio",
                "italian": f"{words} e mezzo",
                "portuguese": f"{words} e meio",
                "dutch": words + ("ënhalf" if words.endswith("e") else "enhalf"),
            }
            return "anderhalf" if name == "dutch" and whole == 1 else half[name]
        if name == "german":  # Duden: "eindreiviertel", "zwei drei Viertel": no "und", "ein" for "eins"
            whole_words = words[:-1] if words.endswith("eins") else words
            return f"{whole_words} {self.fraction(numerator, denominator)}"
        return f"{words} {self.lang.and_} {self.fraction(numerator, denominator)}"

    def _frac(self, m: re.Match) -> str:
        numerator, denominator = int(m.group("fn")), int(m.group("fd"))
        after = _NEXT_WORD.match(self.text, m.end(), m.end() + 40)
        if (  # RAE DPD 'partitivos': "las dos terceras partes", "una cuarta parte"
            self.name == "spanish"
            and not m.group("fw")
            and after
            and after.group(1) in ("parte", "partes")
            and 3 <= denominator <= 10
            and numerator
        ):
            count = self.before_noun(cardinal(numerator, "spanish"), True)
            return f"{count} {ordinal(denominator, 'spanish', feminine=True)}{'' if numerator == 1 else 's'}"
        if self.name == "english" and m.group(0) in _SAID_AS_NUMBERS:
            return _SAID_AS_NUMBERS[m.group(0)]
        try:
            if numerator == 0:
                raise ValueError("no fraction")
            if m.group("fw"):
                return self.mixed(int(m.group("fw")), numerator, denominator)
            return self.fraction(numerator, denominator)
        except ValueError:  # 142/1, 3/365: "one hundred forty-two over one", "drei Schrägstrich ..."
            if self.name == "english":  # a fraction with no named denominator: "n over d"
                said = f"{self.integer(m.group('fn'))} over {self.integer(m.group('fd'))}"
                return (self.integer(m.group("fw")) + " and " if m.group("fw") else "") + said
            slash = self.lang.url_words["/"]
            said = f"{self.integer(m.group('fn'))} {slash} {self.integer(m.group('fd'))}"
            return (self.integer(m.group("fw")) + " " if m.group("fw") else "") + said

    def _vfrac(self, m: re.Match) -> str:
        numerator, denominator = VULGAR_FRACTIONS[m.group("vf")]
        if m.group("vw"):
            return self.mixed(int(m.group("vw")), numerator, denominator)
        return self.fraction(numerator, denominator)

    def _q(self, m: re.Match) -> str:
        lang, name = self.lang, self.name
        sign = m.group("qsign")
        currency_text = (m.group("qcur") or "").strip()
        unit = m.group("qunit")
        currency = lang.currencies.get(currency_text) or (lang.currencies.get(unit) if unit else None)
        if currency is not None and unit in lang.currencies:
            unit = None
        whole, frac = self.parse(m.group("qnum"))
        second = m.group("qnum2")
        abbreviation = m.group("qabbr") or (m.group("qabbr2") if name == "english" else None)
        scale = m.group("qscale") or lang.scale_abbreviations.get(abbreviation or "")
        words = self.number(whole, frac)
        if scale in lang.scale_words:  # "50 Mio.": "fünfzig Millionen"; "1 Mio.": "eine Million"
            scale = lang.scale_words[scale][0 if second is None and frac is None and whole == "1" else 1]
        if scale and second is None and frac is None:  # a noun: "un millón", "veintiún mil", "eine Million"
            feminine = scale in lang.feminine_scales
            if scale == "mil" and name in ("spanish", "portuguese"):  # "mil" is no noun: the one after it
                feminine = self.feminine_noun_after(m.end())  # RAE, Cunha e Cintra: "doscientas mil personas"
            words = self.before_noun(words, feminine)
        prefix = ""
        if sign == "±":
            prefix = _PLUS_MINUS[name] + " "
        elif sign and self.text[m.start() - 1 : m.start()] in ("%", "°"):  # "5%-10%": the dash of a range
            prefix = f" {lang.to} "
        elif sign:
            prefix = (lang.plus if sign == "+" else lang.minus) + " "
        if second is not None:  # a range
            whole2, frac2 = self.parse(second)
            if currency is None and unit is None and scale is None and self.years(whole, whole2, m.start()):
                return f"{prefix}{year(int(whole), name)} {lang.to} {year(int(whole2), name)}"
            if (  # "1990-95" (Chicago 9.64): the second year shortened to its last two digits
                name == "english"
                and currency is None and unit is None and scale is None and frac is None
                and len(whole2) == 2 and self.years(whole, whole[:2] + whole2, m.start())
            ):  # fmt: skip
                return f"{prefix}{year(int(whole), name)} {lang.to} {cardinal(int(whole2), name)}"
            after = _NEXT_WORD.match(self.text, m.end(), m.end() + 40)
            if (
                name == "german"
                and words == "eins"
                and (unit or currency or (after and after.group(1)[0].isupper()))
            ):
                words = "ein"  # Duden: "ein bis zwei Tage"
            words = f"{words} {lang.to} {self.number(whole2, frac2)}"
            whole, frac = whole2, frac2
        if scale:
            words = f"{words} {scale}"
        if currency is not None:
            said = self.money(words, whole, frac, currency, simple=second is None and not scale)
            per = m.group("qper0")  # "$10/hour": "ten dollars per hour"
            return prefix + said + (f" {lang.per} {self.per_units[per][0]}" if per else "")
        if unit == "%":
            if name == "german" and frac is None and second is None:
                words = self.before_noun(words, False)
            return f"{prefix}{words} {lang.percent}"
        if self.degree_ordinal(m):
            return ordinal(int(whole), name)
        if unit:
            singular, plural, feminine = self.units[unit]
            if frac is None and second is None and not scale:
                words = self.before_noun(words, feminine)
            per = m.group("qper")
            per_words = f" {lang.per} {self.per_units[per][0]}" if per else ""
            if self.attributive(m):  # Chicago 7.87: "a twelve-kilogram bag", the unit in the singular
                return f"{prefix}{words}-{singular}{per_words}"
            said = f"{words} {singular if self.singular(whole, frac) and second is None else plural}"
            return prefix + said + per_words
        if m.group("qper0"):  # "56,3 /km²": "pro Quadratkilometer"
            return f"{prefix}{words} {lang.per} {self.per_units[m.group('qper0')][0]}"
        if second is None and frac is None and not sign and not scale and self.years(whole, None, m.start()):
            return year(int(whole), name)
        if (
            name == "spanish"
            and not (second or frac or scale)
            and len(whole) <= 2
            and self.previous_word(m.start()) in ("la", "las")
        ):
            return prefix + self.before_noun(words, True)  # the hour: "a la una", "a las veintiuna"
        if second is None and frac is None and not scale and not 1000 <= int(whole or 0) <= 2100:
            words = self.before_written_noun(words, m)
        return prefix + words

    def degree_ordinal(self, m: re.Match) -> bool:
        """Italian "il 3° posto": the degree sign for º (Treccani 'ordinale'), an ordinal before a noun."""
        if self.name != "italian" or m.group("qunit") != "°" or m.group("qnum2") or m.group("qsign"):
            return False
        after = _NEXT_WORD.match(self.text, m.end(), m.end() + 40)
        return (
            m.group("qnum").isdigit()
            and self.previous_word(m.start()) in _IT_ARTICLES
            and after is not None
            and after.group(1)[0].islower()
        )

    def feminine_noun_after(self, end: int) -> bool:
        """Whether the word after position `end` is a feminine noun (by NOUN_GENDER's guess)."""
        gender = NOUN_GENDER[self.name]
        after = _NEXT_WORD.match(self.text, end, end + 40)
        if not after or after.group(1) in gender.function:
            return False
        noun = after.group(1)
        return noun in gender.feminine or (
            noun not in gender.masculine and noun.endswith(gender.feminine_endings)
        )

    def before_written_noun(self, words: str, m: re.Match) -> str:
        """A count before a written noun, agreeing with the noun's guessed gender: "una persona",
        "veintiún días", "duas pessoas", "une personne", "un giorno", "eine Stunde", "vor einem Jahr"."""
        gender, name = NOUN_GENDER.get(self.name), self.name
        after = _NEXT_WORD.match(self.text, m.end(), m.end() + 40)
        if gender is None or not after or after.group(1) in gender.function:
            return words
        noun = after.group(1)
        feminine = noun in gender.feminine or (
            noun not in gender.masculine and noun.endswith(gender.feminine_endings)
        )
        if name == "german":
            if (
                not noun[0].isupper()
                or not words.endswith("eins")
                or self.previous_word(m.start()) in _DE_LABELS
            ):
                return words
            if words == "eins":
                dative = self.previous_word(m.start()) in _DE_DATIVE
                return ("einer" if feminine else "einem") if dative else ("eine" if feminine else "ein")
            return self.before_noun(words, feminine)
        previous = self.previous_word(m.start())
        if (
            not noun[0].islower()
            or previous.lower() in gender.labels
            or self.name_before(m.start(), previous)
        ):
            return words  # "capítulo 1 trata", "Windows 11 tiene": a label, not a count
        if name == "italian":
            if words != "uno":
                return words
            if feminine:
                return "un'" if noun[0] in "aeiouàèéìòù" else "una"
            return "uno" if re.match(r"s[^aeiou]|z|gn|ps|pn|x|y", noun) else "un"
        return self.before_noun(words, feminine)

    def _sci(self, m: re.Match) -> str:
        mantissa = self.number(*self.parse(m.group("scm")))
        exponent = m.group("sce").lstrip("+")
        negative = exponent[0] in "-−"
        value = int(exponent.lstrip("-−"))
        power = ordinal(value, self.name) if self.name == "english" else cardinal(value, self.name)
        return f"{mantissa} {_TIMES_TEN[self.name]} {self.lang.minus + ' ' if negative else ''}{power}"

    def attributive(self, m: re.Match) -> bool:
        """English: whether a measure stands before the noun it describes ("a 12 kg bag", "a 5-km run"):
        written with a hyphen, or after "a"/"an" with a word (not a preposition) after it."""
        if self.name != "english":
            return False
        if self.text[m.start("qunit") - 1] == "-":
            return True
        after = re.match(r" ([a-z]+)\b", self.text[m.end() : m.end() + 30])
        return after is not None and after.group(1) not in _NOT_NOUNS and self.previous_word(m.start()) in (
            "a", "an", "A", "An"
        )  # fmt: skip

    def _commacents(self, m: re.Match) -> str:
        whole, cents = m.group("ccw"), m.group("ccf")
        return self.money(self.number(whole, cents), whole, cents, self.lang.currencies["€"], simple=True)

    def years(self, first: str, second: str | None, start: int) -> bool:
        """Whether a bare 4-digit number (or range) is a year: after a word like "in", or a range."""
        if self.name not in ("english", "german", "dutch"):
            return False
        candidates = [first] + ([second] if second else [])
        if not all(len(c) == 4 and 1100 <= int(c) <= 2099 for c in candidates):
            return False
        if second is not None and int(second) > int(first):
            return True
        return self.previous_word(start) in self.lang.year_context

    def money(self, words: str, whole: str, frac: str | None, currency, simple: bool) -> str:
        """An amount of money: "three dollars and fifty cents", "two point five billion dollars"."""
        if simple and frac is not None and currency.cent and len(frac) <= 2 and len(whole) <= 15:
            main, cents = int(whole or "0"), int(frac.ljust(2, "0"))
            parts = []
            if main or not cents:
                noun = currency.singular if self.singular(whole, None) else currency.plural
                parts.append(self.of(self.before_noun(cardinal(main, self.name), currency.feminine), noun))
            if cents:
                noun = currency.cent if self.singular(str(cents), None) else currency.cents
                parts.append(f"{self.before_noun(cardinal(cents, self.name), False)} {noun}")
            return f" {self.lang.cents_and or self.lang.and_} ".join(parts)
        if simple and frac is None:
            words = self.before_noun(words, currency.feminine)
        noun = currency.singular if simple and self.singular(whole, frac) else currency.plural
        return self.of(words, noun)

    def _rtitle(self, m: re.Match) -> str:
        value = roman_value(m.group("rn"))
        if value is None:
            raise ValueError("not a numeral")
        return f"{m.group('rt')} {cardinal(value, self.name)}"

    def _regnal(self, m: re.Match) -> str:
        king, numeral, dot = m.group("rk"), m.group("rr"), m.group("rdot")
        name = self.name
        if king in _NOT_NAMES or king in self.lang.titles:
            raise ValueError("not a name")
        tail = ""
        if dot:
            if name != "german":
                tail = "."
            elif self.followed_by_sentence_start(m.end()):
                tail = "."
        if numeral in ("Ier", "Ire"):
            return f"{king} {'premier' if numeral == 'Ier' else 'première'}" + tail
        value = roman_value(numeral)
        if value is None:
            raise ValueError("not a numeral")
        if name == "english":
            said = "the " + ordinal(value, name).capitalize()
        elif name == "french":
            said = cardinal(value, name)
        elif name == "german":
            said = "der " + ordinal(value, name).capitalize()
        elif name == "dutch":
            said = "de " + ordinal(value, name).capitalize()
        elif name == "italian" or value <= 10:
            said = ordinal(value, name)
        else:
            said = cardinal(value, name)
        return f"{king} {said}{tail}"

    def _abbr(self, m: re.Match) -> str:
        written = m.group(0)
        lang = self.lang
        after = self.text[m.end() : m.end() + 3]
        if written in lang.conditional:
            condition, said = lang.conditional[written]
            if condition == "digit" and re.match(r"\s?[0-9]", after):
                return said
            if condition == "name" and re.match(r"\s[A-ZÀ-Ý]", after):
                return said
            return written
        if self.name == "english" and written == "St.":
            return "Saint" if re.match(r"\s[A-Z]", after) else "Street"
        said = lang.abbreviations[written]
        if written in SENTENCE_FINAL and self.followed_by_sentence_start(m.end()):
            said += "."
        return said

    def _dotted(self, m: re.Match) -> str:
        letters = " ".join(c for c in m.group(0) if c.isalpha())
        rest = self.text[m.end() : m.end() + 2]
        return letters + ("." if rest.strip() == "" or rest.startswith("\n") else "")

    def _acro(self, m: re.Match) -> str:
        word = m.group(0)
        if word in INITIALISMS or not any(c in "AEIOUY" for c in word):
            return " ".join(word)
        return word

    def _version(self, m: re.Match) -> str:
        # English says a version's dots "point" ("version two point three"); the others their dot word.
        dot = "point" if self.name == "english" else self.lang.url_words["."]
        groups = [self.integer(group) for group in m.group("ver").split(".")]
        return f"{self.lang.version} " + f" {dot} ".join(groups)

    def _dotted_digits(self, m: re.Match) -> str:
        dot = f" {self.lang.url_words['.']} "
        return dot.join(self.integer(group) for group in m.group(0).split("."))

    def _hash(self, m: re.Match) -> str:
        return self.lang.number_sign + " "

    def _sym(self, m: re.Match) -> str:
        symbol = m.group(0)
        if symbol == "×":  # "5 × 3": "five times three"
            return _TIMES_WORD[self.name]
        return {"&": self.lang.and_, "+": self.lang.plus}.get(symbol) or self.lang.url_words["="]


def _kind(m: re.Match) -> str:
    """The name of the pattern's alternative that matched."""
    kind = m.lastgroup
    if kind not in _TOP_LEVEL:  # an inner group closed last: find the alternative that matched
        kind = next(name for name in _TOP_LEVEL if m.group(name) is not None)
    return kind


# The semiotic class of each alternative of the pattern (numbers, `q`, are classed by their parts).
_CLASSES = {
    **dict.fromkeys(("url", "domain"), "url"),
    "email": "email",
    "phone": "phone",
    "ratio": "ratio",
    **dict.fromkeys(("iso", "numdate", "dmdate", "mdy", "dmy", "my"), "date"),
    **dict.fromkeys(("time", "hrange", "hampm", "ampmdot", "dottime", "uhr", "htime"), "time"),
    "ayear": "year",
    "decade": "decade",
    "feet": "measure",
    **dict.fromkeys(("ord", "rord", "rcent"), "ordinal"),
    **dict.fromkeys(("frac", "vfrac"), "fraction"),
    **dict.fromkeys(("version", "dotted_digits"), "version"),
    "sci": "decimal",
    "commacents": "money",
    **dict.fromkeys(("rtitle", "regnal"), "roman"),
    "abbr": "abbreviation",
    **dict.fromkeys(("dotted", "acro"), "acronym"),
    **dict.fromkeys(("hash", "sym"), "symbol"),
}

# The names of the pattern's alternatives.
_TOP_LEVEL = frozenset(_CLASSES) | {"q"}
