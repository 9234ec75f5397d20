"""Numbers as words in the seven upstream languages: cardinals, ordinals, years, digit by digit.

Written from each language's published number-name rules (sources in tests/data/normalize_cases.json),
not from a library, so py_core stays stdlib-only in Pyodide. Spelling choices, one per language:

- english: American style, no "and" after hundred ("one hundred twenty-three"), hyphenated 21-99.
- french: traditional spelling (hyphens below 100, "et" in 21..71, "quatre-vingts", "deux cents").
- german: one word below a million ("einhundertdreiundzwanzig"), "eine Million", "zwei Millionen".
- spanish: RAE: "veintiuno", "treinta y uno", "cien"/"ciento", "mil millones" for 10^9, "un billón".
- italian: one word below a million ("milleduecentotrentaquattro", "ventitré", "ventuno", "centottanta").
- portuguese: Brazilian spelling ("dezesseis", "um bilhão"), "e" between every group of words.
- dutch: Taalunie: one word below a thousand, a space after "duizend" ("tweeduizend vijftig").

`cardinal` handles 0 <= n < 10**15; callers read anything longer digit by digit (`digits`).
"""

from functools import lru_cache

LANGUAGES = ("english", "french", "german", "spanish", "italian", "portuguese", "dutch")
LIMIT = 10**15

_DIGIT_WORDS = {
    "english": "zero one two three four five six seven eight nine",
    "french": "zéro un deux trois quatre cinq six sept huit neuf",
    "german": "null eins zwei drei vier fünf sechs sieben acht neun",
    "spanish": "cero uno dos tres cuatro cinco seis siete ocho nueve",
    "italian": "zero uno due tre quattro cinque sei sette otto nove",
    "portuguese": "zero um dois três quatro cinco seis sete oito nove",
    "dutch": "nul een twee drie vier vijf zes zeven acht negen",
}
DIGITS = {lang: words.split() for lang, words in _DIGIT_WORDS.items()}


def digits(text: str, language: str) -> str:
    """Each digit of `text` as a word ("2.07" -> "two zero seven"); other characters are dropped."""
    table = DIGITS[language]
    return " ".join(table[int(c)] for c in text if c.isdigit() and c.isascii())


@lru_cache(maxsize=8192)  # texts repeat their numbers (years, small counts)
def cardinal(n: int, language: str) -> str:
    """The cardinal number n (0 <= n < LIMIT) in words."""
    if not 0 <= n < LIMIT:
        raise ValueError(f"cardinal() handles 0 <= n < {LIMIT}, not {n}")
    return _CARDINALS[language](n)


# ----- English -----

_EN_SMALL = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen"
).split()
_EN_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def _en_below_100(n: int) -> str:
    if n < 20:
        return _EN_SMALL[n]
    tens, unit = divmod(n, 10)
    return _EN_TENS[tens] + ("-" + _EN_SMALL[unit] if unit else "")


def _en_below_1000(n: int) -> str:
    hundreds, rest = divmod(n, 100)
    words = [_EN_SMALL[hundreds] + " hundred"] if hundreds else []
    if rest or not hundreds:
        words.append(_en_below_100(rest))
    return " ".join(words)


def _english(n: int) -> str:
    return _grouped(n, _en_below_1000, ["", "thousand", "million", "billion", "trillion"])


def _grouped(n: int, below_1000, scales: list[str]) -> str:
    """Groups of three digits, each followed by its scale word, zero groups left out."""
    if n == 0:
        return below_1000(0)
    words = []
    power = 0
    while n:
        n, group = divmod(n, 1000)
        if group:
            words.append(below_1000(group) + (" " + scales[power] if scales[power] else ""))
        power += 1
    return " ".join(reversed(words))


# ----- French -----

_FR_SMALL = (
    "zéro un deux trois quatre cinq six sept huit neuf dix onze douze treize quatorze quinze seize "
    "dix-sept dix-huit dix-neuf"
).split()
_FR_TENS = ["", "", "vingt", "trente", "quarante", "cinquante", "soixante"]


def _fr_below_100(n: int) -> str:
    if n < 20:
        return _FR_SMALL[n]
    tens, unit = divmod(n, 10)
    if tens == 7:
        return "soixante et onze" if unit == 1 else "soixante-" + _FR_SMALL[10 + unit]
    if tens == 8:
        return "quatre-vingt-" + _FR_SMALL[unit] if unit else "quatre-vingts"
    if tens == 9:
        return "quatre-vingt-" + _FR_SMALL[10 + unit]
    if unit == 0:
        return _FR_TENS[tens]
    return _FR_TENS[tens] + (" et un" if unit == 1 else "-" + _FR_SMALL[unit])


def _fr_below_1000(n: int) -> str:
    hundreds, rest = divmod(n, 100)
    if not hundreds:
        return _fr_below_100(rest)
    head = "cent" if hundreds == 1 else _FR_SMALL[hundreds] + " cent"
    if not rest:
        return head + ("s" if hundreds > 1 else "")
    return head + " " + _fr_below_100(rest)


def _french(n: int) -> str:
    if n == 0:
        return "zéro"
    words = []
    for power, (singular, plural) in ((4, ("billion", "billions")), (3, ("milliard", "milliards"))):
        group = n // 1000**power % 1000
        if group:
            words.append(f"{_fr_below_1000(group)} {singular if group == 1 else plural}")
    millions = n // 10**6 % 1000
    if millions:
        words.append(f"{_fr_below_1000(millions)} {'million' if millions == 1 else 'millions'}")
    thousands = n // 1000 % 1000
    if thousands:
        # "mille" is invariable and takes no "un"; vingt and cent lose their plural s before it.
        head = _fr_below_1000(thousands)
        head = head[:-1] if head.endswith(("vingts", "cents")) else head
        words.append("mille" if thousands == 1 else head + " mille")
    if n % 1000:
        words.append(_fr_below_1000(n % 1000))
    return " ".join(words)


# ----- German -----

_DE_SMALL = (
    "null eins zwei drei vier fünf sechs sieben acht neun zehn elf zwölf dreizehn vierzehn fünfzehn "
    "sechzehn siebzehn achtzehn neunzehn"
).split()
_DE_TENS = ["", "", "zwanzig", "dreißig", "vierzig", "fünfzig", "sechzig", "siebzig", "achtzig", "neunzig"]


def _de_below_100(n: int, final: bool = True) -> str:
    """`final`: "eins" at the end of a number, "ein" before hundert/tausend."""
    if n < 20:
        return "ein" if n == 1 and not final else _DE_SMALL[n]
    tens, unit = divmod(n, 10)
    if not unit:
        return _DE_TENS[tens]
    return ("ein" if unit == 1 else _DE_SMALL[unit]) + "und" + _DE_TENS[tens]


def _de_below_1000(n: int, final: bool = True) -> str:
    hundreds, rest = divmod(n, 100)
    head = _de_below_100(hundreds, final=False) + "hundert" if hundreds else ""
    if not rest:
        return head or "null"
    return head + _de_below_100(rest, final)


def _german(n: int) -> str:
    if n == 0:
        return "null"
    words = []
    big = ((4, "Billion", "Billionen"), (3, "Milliarde", "Milliarden"), (2, "Million", "Millionen"))
    for power, singular, plural in big:
        group = n // 1000**power % 1000
        if group:
            words.append("eine " + singular if group == 1 else f"{_de_below_1000(group)} {plural}")
    thousands, rest = n // 1000 % 1000, n % 1000
    small = (_de_below_1000(thousands, final=False) + "tausend" if thousands else "") + (
        _de_below_1000(rest) if rest else ""
    )
    if small:
        words.append(small)
    return " ".join(words)


# ----- Spanish -----

_ES_SMALL = (
    "cero uno dos tres cuatro cinco seis siete ocho nueve diez once doce trece catorce quince dieciséis "
    "diecisiete dieciocho diecinueve veinte veintiuno veintidós veintitrés veinticuatro veinticinco "
    "veintiséis veintisiete veintiocho veintinueve"
).split()
_ES_TENS = ["", "", "", "treinta", "cuarenta", "cincuenta", "sesenta", "setenta", "ochenta", "noventa"]
_ES_HUNDREDS = (
    "_ ciento doscientos trescientos cuatrocientos quinientos seiscientos setecientos ochocientos novecientos"
).split()


def _es_below_100(n: int) -> str:
    if n < 30:
        return _ES_SMALL[n]
    tens, unit = divmod(n, 10)
    return _ES_TENS[tens] + (" y " + _ES_SMALL[unit] if unit else "")


def _es_below_1000(n: int) -> str:
    hundreds, rest = divmod(n, 100)
    if n == 100:
        return "cien"
    words = [_ES_HUNDREDS[hundreds]] if hundreds else []
    if rest or not hundreds:
        words.append(_es_below_100(rest))
    return " ".join(words)


def es_apocope(words: str, feminine: bool = False) -> str:
    """A Spanish cardinal before a noun: "uno" -> "un"/"una", "veintiuno" -> "veintiún"/"veintiuna"."""
    if feminine:
        words = words.replace("ientos", "ientas")
        if words.endswith("uno"):
            return words[:-1] + "a"
        return words
    if words.endswith("veintiuno"):
        return words[:-3] + "ún"
    if words == "uno" or words.endswith(" uno"):
        return words[:-1]
    return words


def _es_below_million(n: int) -> str:
    thousands, rest = divmod(n, 1000)
    words = []
    if thousands:
        words.append("mil" if thousands == 1 else es_apocope(_es_below_1000(thousands)) + " mil")
    if rest or not thousands:
        words.append(_es_below_1000(rest))
    return " ".join(words)


def _spanish(n: int) -> str:
    if n == 0:
        return "cero"
    billions, millions, rest = n // 10**12, n // 10**6 % 10**6, n % 10**6
    words = []
    if billions:
        words.append("un billón" if billions == 1 else es_apocope(_es_below_million(billions)) + " billones")
    if millions:
        words.append("un millón" if millions == 1 else es_apocope(_es_below_million(millions)) + " millones")
    if rest:
        words.append(_es_below_million(rest))
    return " ".join(words)


# ----- Italian -----

_IT_SMALL = (
    "zero uno due tre quattro cinque sei sette otto nove dieci undici dodici tredici quattordici quindici "
    "sedici diciassette diciotto diciannove"
).split()
_IT_TENS = ["", "", "venti", "trenta", "quaranta", "cinquanta", "sessanta", "settanta", "ottanta", "novanta"]


def _it_below_100(n: int) -> str:
    if n < 20:
        return _IT_SMALL[n]
    tens, unit = divmod(n, 10)
    head = _IT_TENS[tens]
    if unit in (1, 8):  # ventuno, ventotto: the tens lose their final vowel
        head = head[:-1]
    return head + (_IT_SMALL[unit] if unit else "")


def _it_below_1000(n: int) -> str:
    hundreds, rest = divmod(n, 100)
    if not hundreds:
        return _it_below_100(rest)
    head = "cento" if hundreds == 1 else _IT_SMALL[hundreds] + "cento"
    if not rest:
        return head
    tail = _it_below_100(rest)
    if tail.startswith("ott"):  # centottanta, centotto
        head = head[:-1]
    return head + tail


def _it_accent(word: str) -> str:
    """A compound ending in "tre" takes the accent: ventitré, centotré."""
    return word[:-3] + "tré" if word.endswith("tre") and word != "tre" else word


def _it_below_million(n: int) -> str:
    thousands, rest = divmod(n, 1000)
    head = ""
    if thousands == 1:
        head = "mille"
    elif thousands:
        head = _it_below_1000(thousands)
        head = (head[:-1] if head.endswith("uno") else head) + "mila"  # ventunmila
    return _it_accent(head + (_it_below_1000(rest) if rest or not thousands else ""))


def _italian(n: int) -> str:
    if n == 0:
        return "zero"
    billions, millions, rest = n // 10**9, n // 10**6 % 1000, n % 10**6
    words = []
    if billions:
        words.append("un miliardo" if billions == 1 else _it_below_million(billions) + " miliardi")
    if millions:
        words.append("un milione" if millions == 1 else _it_accent(_it_below_1000(millions)) + " milioni")
    if rest:
        words.append(_it_below_million(rest))
    return " ".join(words)


# ----- Portuguese (Brazilian) -----

_PT_SMALL = (
    "zero um dois três quatro cinco seis sete oito nove dez onze doze treze catorze quinze dezesseis "
    "dezessete dezoito dezenove"
).split()
_PT_TENS = ["", "", "vinte", "trinta", "quarenta", "cinquenta", "sessenta", "setenta", "oitenta", "noventa"]
_PT_HUNDREDS = (
    "_ cento duzentos trezentos quatrocentos quinhentos seiscentos setecentos oitocentos novecentos"
).split()


def _pt_below_1000(n: int) -> str:
    if n == 100:
        return "cem"
    hundreds, rest = divmod(n, 100)
    words = [_PT_HUNDREDS[hundreds]] if hundreds else []
    if rest >= 20:
        tens, unit = divmod(rest, 10)
        words.append(_PT_TENS[tens])
        if unit:
            words.append(_PT_SMALL[unit])
    elif rest or not hundreds:
        words.append(_PT_SMALL[rest])
    return " e ".join(words)


def pt_feminine(words: str) -> str:
    """A Portuguese cardinal before a feminine noun: um -> uma, dois -> duas, duzentos -> duzentas."""
    out = []
    for word in words.split(" "):
        word = {"um": "uma", "dois": "duas"}.get(word, word)
        if word.endswith("entos") and word != "cento":
            word = word[:-2] + "as"
        out.append(word)
    return " ".join(out)


def _portuguese(n: int) -> str:
    if n == 0:
        return "zero"
    groups = []
    names = [("", ""), ("mil", "mil"), ("milhão", "milhões"), ("bilhão", "bilhões"), ("trilhão", "trilhões")]
    for power in range(4, -1, -1):
        group = n // 1000**power % 1000
        if not group:
            continue
        singular, plural = names[power]
        if power == 1:
            groups.append("mil" if group == 1 else _pt_below_1000(group) + " mil")
        elif power:
            groups.append(f"{_pt_below_1000(group)} {singular if group == 1 else plural}")
        else:
            groups.append(_pt_below_1000(group))
    # "e" joins the last group when it is below 100 or a whole number of hundreds: "mil e cem".
    last = n % 1000
    if len(groups) > 1 and last and (last < 100 or last % 100 == 0):
        return " ".join(groups[:-1]) + " e " + groups[-1]
    return " ".join(groups)


# ----- Dutch -----

_NL_SMALL = (
    "nul een twee drie vier vijf zes zeven acht negen tien elf twaalf dertien veertien vijftien zestien "
    "zeventien achttien negentien"
).split()
_NL_TENS = ["", "", "twintig", "dertig", "veertig", "vijftig", "zestig", "zeventig", "tachtig", "negentig"]


def _nl_below_100(n: int) -> str:
    if n < 20:
        return _NL_SMALL[n]
    tens, unit = divmod(n, 10)
    if not unit:
        return _NL_TENS[tens]
    unit_word = _NL_SMALL[unit]
    return unit_word + ("ën" if unit_word.endswith("e") else "en") + _NL_TENS[tens]


def _nl_below_1000(n: int) -> str:
    hundreds, rest = divmod(n, 100)
    head = ("" if hundreds == 1 else _NL_SMALL[hundreds]) + "honderd" if hundreds else ""
    if not rest:
        return head or "nul"
    return head + _nl_below_100(rest)


def _dutch(n: int) -> str:
    if n == 0:
        return "nul"
    words = []
    for power, name in ((4, "biljoen"), (3, "miljard"), (2, "miljoen")):
        group = n // 1000**power % 1000
        if group:
            words.append(f"{_nl_below_1000(group)} {name}")
    thousands, rest = n // 1000 % 1000, n % 1000
    if thousands:
        words.append(("" if thousands == 1 else _nl_below_1000(thousands)) + "duizend")
    if rest:
        words.append(_nl_below_1000(rest))
    return " ".join(words)


_CARDINALS = {
    "english": _english,
    "french": _french,
    "german": _german,
    "spanish": _spanish,
    "italian": _italian,
    "portuguese": _portuguese,
    "dutch": _dutch,
}


# ----- ordinals -----

_EN_ORDINAL_WORDS = {
    "one": "first",
    "two": "second",
    "three": "third",
    "five": "fifth",
    "eight": "eighth",
    "nine": "ninth",
    "twelve": "twelfth",
}


def _en_ordinal(n: int) -> str:
    words = cardinal(n, "english")
    cut = max(words.rfind(" "), words.rfind("-")) + 1
    head, last = words[:cut], words[cut:]
    if last in _EN_ORDINAL_WORDS:
        return head + _EN_ORDINAL_WORDS[last]
    if last.endswith("y"):
        return head + last[:-1] + "ieth"
    return head + last + "th"


def _fr_ordinal(n: int, feminine: bool) -> str:
    if n == 1:
        return "première" if feminine else "premier"
    words = cardinal(n, "french")
    cut = max(words.rfind(" "), words.rfind("-")) + 1
    head, last = words[:cut], words[cut:]
    last = {"cinq": "cinqu", "neuf": "neuv", "vingts": "vingt", "cents": "cent"}.get(last, last)
    if last.endswith("e"):
        last = last[:-1]
    return head + last + "ième"


def _de_ordinal(n: int, ending: str) -> str:
    """German ordinal stem + `ending` ("e", "en", "er"): erst-, dritt-, siebt-, acht-, else -t- / -st-."""
    words = cardinal(n, "german")
    rest = n % 100
    if words.endswith("eins") and rest == 1:
        stem = words[:-4] + "erst"
    elif words.endswith("drei") and rest == 3:
        stem = words[:-4] + "dritt"
    elif words.endswith("sieben") and rest == 7:
        stem = words[:-6] + "siebt"
    elif words.endswith("acht") and rest == 8:
        stem = words
    elif 1 <= rest <= 19:
        stem = words + "t"
    else:
        stem = words + "st"
    if n >= 10**6:  # "eine Million" -> "millionst-": written in lower case as an ordinal
        stem = stem.replace("eine ", "").lower()
    return stem + ending


_ES_UNITS = "_ primero segundo tercero cuarto quinto sexto séptimo octavo noveno".split()
_ES_TENS_ORD = (
    "_ décimo vigésimo trigésimo cuadragésimo quincuagésimo sexagésimo septuagésimo octogésimo nonagésimo"
).split()
_ES_HUNDREDS_ORD = (
    "_ centésimo ducentésimo tricentésimo cuadringentésimo quingentésimo sexcentésimo septingentésimo "
    "octingentésimo noningentésimo"
).split()
_ES_TEENS = {11: "undécimo", 12: "duodécimo", 18: "decimoctavo"}


def _es_ordinal(n: int, feminine: bool) -> str:
    words = []
    thousands, n = divmod(n, 1000)
    if thousands:
        words.append(
            "milésimo" if thousands == 1 else es_apocope(cardinal(thousands, "spanish")) + "milésimo"
        )
    hundreds, rest = divmod(n, 100)
    if hundreds:
        words.append(_ES_HUNDREDS_ORD[hundreds])
    if rest in _ES_TEENS:
        words.append(_ES_TEENS[rest])
    elif 13 <= rest <= 19:
        words.append("decimo" + _ES_UNITS[rest - 10])
    elif rest:
        tens, unit = divmod(rest, 10)
        if tens:
            words.append(_ES_TENS_ORD[tens])
        if unit:
            words.append(_ES_UNITS[unit])
    text = " ".join(words)
    if feminine:
        text = " ".join(w[:-1] + "a" for w in text.split(" "))
    return text


_IT_FIRST = "_ primo secondo terzo quarto quinto sesto settimo ottavo nono decimo".split()


def _it_ordinal(n: int, feminine: bool) -> str:
    if n <= 10:
        word = _IT_FIRST[n]
    else:
        words = cardinal(n, "italian").replace(" ", "")
        if words.endswith("tré"):
            word = words[:-1] + "eesimo"
        elif words.endswith("sei"):
            word = words + "esimo"
        elif words.endswith("mila"):
            word = words[:-4] + "millesimo"
        else:
            word = words[:-1] + "esimo"
    return word[:-1] + "a" if feminine else word


_PT_UNITS = "_ primeiro segundo terceiro quarto quinto sexto sétimo oitavo nono".split()
_PT_TENS_ORD = (
    "_ décimo vigésimo trigésimo quadragésimo quinquagésimo sexagésimo septuagésimo octogésimo nonagésimo"
).split()
_PT_HUNDREDS_ORD = (
    "_ centésimo ducentésimo trecentésimo quadringentésimo quingentésimo sexcentésimo septingentésimo "
    "octingentésimo noningentésimo"
).split()


def _pt_ordinal(n: int, feminine: bool) -> str:
    words = []
    thousands, n = divmod(n, 1000)
    if thousands:
        words.append("milésimo" if thousands == 1 else cardinal(thousands, "portuguese") + " milésimo")
    hundreds, rest = divmod(n, 100)
    if hundreds:
        words.append(_PT_HUNDREDS_ORD[hundreds])
    tens, unit = divmod(rest, 10)
    if tens:
        words.append(_PT_TENS_ORD[tens])
    if unit:
        words.append(_PT_UNITS[unit])
    text = " ".join(words)
    if feminine:
        text = " ".join(w[:-1] + "a" if w.endswith("o") else w for w in text.split(" "))
    return text


def _nl_ordinal(n: int) -> str:
    words = cardinal(n, "dutch")
    rest = n % 100
    if rest == 1 and words.endswith("een"):
        return words[:-3] + "eerste"
    if rest == 3 and words.endswith("drie"):
        return words[:-4] + "derde"
    if rest == 8 and words.endswith("acht"):
        return words + "ste"
    if 1 <= rest <= 19:
        return words + "de"
    return words + "ste"


def ordinal(n: int, language: str, *, feminine: bool = False, ending: str = "e") -> str:
    """The ordinal of n (1 <= n < LIMIT) in words; `feminine` for fr/es/it/pt, `ending` for German."""
    if not 1 <= n < LIMIT:
        raise ValueError(f"ordinal() handles 1 <= n < {LIMIT}, not {n}")
    if language == "english":
        return _en_ordinal(n)
    if language == "french":
        return _fr_ordinal(n, feminine)
    if language == "german":
        return _de_ordinal(n, ending)
    if language == "spanish":
        return _es_ordinal(n, feminine) if n < 10**6 else cardinal(n, language)
    if language == "italian":
        return _it_ordinal(n, feminine)
    if language == "portuguese":
        return _pt_ordinal(n, feminine) if n < 10**6 else cardinal(n, language)
    return _nl_ordinal(n)


def year(n: int, language: str) -> str:
    """A year as it is said: "nineteen eighty-four", "neunzehnhundertvierundachtzig"; else the cardinal."""
    hundreds, rest = divmod(n, 100)
    if language == "english" and 1000 <= n <= 9999 and not 2000 <= n <= 2009:
        if rest == 0:
            return _en_below_100(hundreds) + " hundred"
        if rest < 10:
            return _en_below_100(hundreds) + " oh " + _EN_SMALL[rest]
        return _en_below_100(hundreds) + " " + _en_below_100(rest)
    if language == "german" and 1100 <= n <= 1999:
        return _de_below_100(hundreds) + "hundert" + (_de_below_100(rest) if rest else "")
    if language == "dutch" and 1100 <= n <= 1999:
        return _nl_below_100(hundreds) + "honderd" + (_nl_below_100(rest) if rest else "")
    return cardinal(n, language)
