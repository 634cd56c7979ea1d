"""Obfuscations and encodings applied to attack text, each with train and eval variants."""

import base64
import codecs
import urllib.parse

# Zero-width characters inserted between letters.
ZERO_WIDTH = (["\u200b", "\u200d"], ["\u200c", "\u2060", "\ufeff"])

# Latin letter -> look-alike (Cyrillic for train, Greek and other Cyrillic for eval).
HOMOGLYPH = (
    {"o": "\u043e", "e": "\u0435", "a": "\u0430", "c": "\u0441", "p": "\u0440"},
    {"o": "\u03bf", "a": "\u03b1", "i": "\u0456", "x": "\u0445", "y": "\u0443", "s": "\u0455"},
)

LEET = ({"o": "0", "e": "3", "i": "1"}, {"a": "4", "s": "5", "t": "7", "e": "3"})

SPACER = ([" ", "-"], [".", "_", "*"])


def zero_width(rng, split, text):
    marks = ZERO_WIDTH[split]
    out = []
    for i, ch in enumerate(text):
        out.append(ch)
        if ch.isalpha() and rng.random() < 0.5:
            out.append(rng.choice(marks))
    return "".join(out)


def homoglyph(rng, split, text):
    table = HOMOGLYPH[split]
    return "".join(table[ch] if ch in table and rng.random() < 0.7 else ch for ch in text)


def leet(rng, split, text):
    table = LEET[split]
    return "".join(table[ch] if ch in table and rng.random() < 0.8 else ch for ch in text)


def spaced(rng, split, text):
    """Spells the first few long words letter by letter."""
    sep = rng.choice(SPACER[split])
    words = text.split(" ")
    done = 0
    for i, w in enumerate(words):
        if len(w) >= 5 and w.isalpha() and done < 2:
            words[i] = sep.join(w)
            done += 1
    return " ".join(words)


def mixed_case(rng, split, text):
    return "".join(ch.upper() if rng.random() < 0.5 else ch.lower() for ch in text)


OBFUSCATIONS = [zero_width, homoglyph, leet, spaced]


def obfuscate(rng, split, text):
    """One or two obfuscations, sometimes with mixed case."""
    fns = rng.sample(OBFUSCATIONS, rng.choice([1, 1, 2]))
    for fn in fns:
        text = fn(rng, split, text)
    if rng.random() < 0.2:
        text = mixed_case(rng, split, text)
    return text


def to_base64(text):
    return base64.b64encode(text.encode()).decode()


def to_hex(text):
    return text.encode().hex()


def to_rot13(text):
    return codecs.encode(text, "rot13")


def to_url(text):
    return urllib.parse.quote(text, safe="")


def to_url_full(text):
    return "".join("%{:02X}".format(b) for b in text.encode())


def to_html_entities(text):
    return "".join("&#{};".format(ord(ch)) if ch.isalpha() else ch for ch in text)


# (name, function, what a request calls it)
ENCODINGS = [
    ("base64", to_base64, "base64"), ("hex", to_hex, "hex"), ("rot13", to_rot13, "rot13"),
    ("url", to_url, "URL-encoded"), ("url_full", to_url_full, "percent-encoded"),
    ("html", to_html_entities, "HTML-entity"),
]


def encode(rng, text):
    """Returns (encoded text, the encoding's name as a request would say it)."""
    _, fn, said = rng.choice(ENCODINGS)
    return fn(text), said
