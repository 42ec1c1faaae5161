# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Text similarity of claims.

A claim's text becomes a set of keywords (accents, case, French stop words
and plural endings removed).  Two texts are as similar as the Jaccard index
of their keyword sets.  To find similar claims without reading them all,
each claim stores locality-sensitive band keys of its MinHash signature:
claims whose keyword sets overlap much share at least one key with a high
probability, and an equality index on the keys finds them at once."""
import functools
import hashlib
import re
import unicodedata

BANDS = 16
ROWS = 2
_PRIME = (1 << 61) - 1
# fixed coefficients: the keys must stay the same across processes
_COEFFICIENTS = [
    (int.from_bytes(hashlib.blake2b(
                b'a%d' % i, digest_size=8).digest(), 'big') % _PRIME | 1,
        int.from_bytes(hashlib.blake2b(
                b'b%d' % i, digest_size=8).digest(), 'big') % _PRIME)
    for i in range(BANDS * ROWS)]

STOP_WORDS = set("""
    alors apres avant avec avoir bien car cela ces cet cette chez comme dans
    des deja depuis donc dont elle elles encore est etre fait faire fois
    leur les lui mais meme mes moi mon nos notre nous par pas peu plus pour
    quand que quel quelle qui sans ses son sont sous sur tous tout toujours
    tres une vos votre vous aux jai ete etait avez ont suis sommes the and
    for with from this that have has not are was you your our bonjour merci
    madame monsieur svp""".split())
_WORD = re.compile(r'[a-z0-9]+')


def normalize(text):
    text = unicodedata.normalize('NFKD', (text or '').lower())
    return ''.join(c for c in text if not unicodedata.combining(c))


def keywords(*texts):
    "Return the sorted keywords of the texts"
    words = set()
    for text in texts:
        for word in _WORD.findall(normalize(text)):
            if len(word) < 3 and not word.isdigit():
                continue
            if word in STOP_WORDS:
                continue
            if len(word) > 4 and word[-1] in 'sx' and not word.isdigit():
                word = word[:-1]
            words.add(word)
    return sorted(words)


@functools.lru_cache(maxsize=100_000)
def _word_signature(word):
    value = int.from_bytes(
        hashlib.blake2b(word.encode(), digest_size=8).digest(), 'big')
    return tuple((a * value + b) % _PRIME for a, b in _COEFFICIENTS)


def band_keys(words):
    "Return the LSH keys (signed 31-bit integers) of the keyword set"
    if not words:
        return []
    signature = list(map(min, zip(*map(_word_signature, words))))
    keys = []
    for band in range(BANDS):
        rows = signature[band * ROWS:(band + 1) * ROWS]
        digest = hashlib.blake2b(
            repr((band, rows)).encode(), digest_size=4).digest()
        keys.append(int.from_bytes(digest, 'big', signed=True))
    return keys


def jaccard(a, b):
    if not a or not b:
        return 0.0
    a, b = set(a), set(b)
    return len(a & b) / len(a | b)


# How much each shared attribute adds to the text similarity (0 to 1)
WEIGHT_BRANCH = 0.2
WEIGHT_TYPE = 0.1
WEIGHT_LINE = 0.5
WEIGHT_LINE_KIND = 0.1


def score(words, other_words, same_branch=False, same_type=False,
        same_line=False, same_line_kind=False):
    "Similarity of a claim to another one: text first, then context"
    text = jaccard(words, other_words)
    if not text and not same_line:
        return 0.0
    return (text
        + WEIGHT_BRANCH * same_branch
        + WEIGHT_TYPE * same_type
        + WEIGHT_LINE * same_line
        + WEIGHT_LINE_KIND * (same_line_kind and not same_line))
