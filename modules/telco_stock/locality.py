# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The gazetteer: the towns of a country with their coordinates, shipped
with the module (locality_<country>.xml), so that a place is found by its
name without a geocoder and without the network."""
import unicodedata

from trytond.cache import Cache
from trytond.model import DeactivableMixin, Index, ModelSQL, ModelView, fields

from .geo import map_url

# articles that start a name and may be left out: "La Marsa", "El Kef",
# "L'Ariana", "Ez Zahra"
ARTICLES = {
    'el', 'le', 'la', 'les', 'l', 'al', 'ar', 'as', 'ad', 'ed', 'en', 'er',
    'es', 'et', 'ez'}
ARABIC_ARTICLE = 'ال'
# spellings of the same Arabic letter: alif with hamza or madda (also
# removed as marks by the decomposition), alif maqsura, ta marbuta, the
# "g" of the Maghreb, the tatweel
ARABIC_FOLD = str.maketrans({
        'أ': 'ا', 'إ': 'ا', 'آ': 'ا', 'ٱ': 'ا', 'ى': 'ي', 'ة': 'ه',
        'ڤ': 'ق', 'ـ': None})


def words(text):
    """The words of text without case, accents, Arabic vowel marks or
    punctuation"""
    text = unicodedata.normalize('NFKD', text or '').casefold()
    text = text.translate(ARABIC_FOLD)
    return ''.join(
        c if c.isalnum() else ' ' for c in text
        if not unicodedata.combining(c)).split()


def keys(text):
    """The keys under which a name is found: the words joined (spaces,
    hyphens and apostrophes do not matter) and, when it starts with an
    article, the same without it"""
    found = words(text)
    if not found:
        return None, None
    key = ''.join(found)
    bare = found
    if len(found) > 1 and found[0] in ARTICLES:
        bare = found[1:]
    elif found[0].startswith(ARABIC_ARTICLE) and len(found[0]) > 3:
        bare = [found[0][len(ARABIC_ARTICLE):]] + found[1:]
    return key, ''.join(bare)


class Locality(DeactivableMixin, ModelSQL, ModelView):
    "Town or village with its coordinates, from the gazetteer"
    __name__ = 'telco.locality'
    __string__ = "Locality"

    country = fields.Char(
        "Country", size=2, required=True, strip=True,
        help="The ISO 3166-1 code of the country (TN).")
    subdivision_code = fields.Char(
        "Subdivision Code", strip=True,
        help="The ISO 3166-2 code of the governorate or region (TN-61).")
    subdivision = fields.Char(
        "Subdivision", required=True,
        help="The governorate or region: its name finds its seat.")
    name = fields.Char("Name", required=True)
    alternatives = fields.Text(
        "Alternative Names",
        help="Other spellings of the name (French, Arabic, transliterated), "
        "one a line.")
    latitude = fields.Float(
        "Latitude", digits=(3, 6), required=True,
        domain=[('latitude', '>=', -90), ('latitude', '<=', 90)])
    longitude = fields.Float(
        "Longitude", digits=(3, 6), required=True,
        domain=[('longitude', '>=', -180), ('longitude', '<=', 180)])
    population = fields.Integer("Population")
    seat = fields.Boolean(
        "Seat", help="The seat of its subdivision: found by the name of the "
        "subdivision too.")
    map_url = fields.Function(fields.Char("Map"), 'get_map_url')
    _index_cache = Cache('telco.locality.index', context=False)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(Index(
                t,
                (t.country, Index.Equality(cardinality='low')),
                (t.subdivision_code, Index.Equality(cardinality='low'))))
        cls._order = [
            ('country', 'ASC'), ('subdivision', 'ASC'), ('name', 'ASC'),
            ('id', 'ASC')]

    @classmethod
    def default_seat(cls):
        return False

    def get_rec_name(self, name):
        if self.subdivision and self.subdivision != self.name:
            return '%s (%s)' % (self.name, self.subdivision)
        return self.name

    @classmethod
    def search_rec_name(cls, name, clause):
        _, operator, operand, *extra = clause
        if operator.startswith('!') or operator.startswith('not '):
            bool_op = 'AND'
        else:
            bool_op = 'OR'
        return [bool_op,
            ('name', operator, operand, *extra),
            ('alternatives', operator, operand, *extra),
            ('subdivision', operator, operand, *extra),
            ]

    def get_map_url(self, name):
        return map_url(self.latitude, self.longitude)

    @classmethod
    def create(cls, vlist):
        cls._index_cache.clear()
        return super().create(vlist)

    @classmethod
    def write(cls, *args):
        cls._index_cache.clear()
        super().write(*args)

    @classmethod
    def delete(cls, localities):
        cls._index_cache.clear()
        super().delete(localities)

    @classmethod
    def _index(cls, country):
        """The ids of the active localities of the country (all countries
        when None) by key: {'names': {key: ids}, 'bare': {key: ids}}"""
        index = cls._index_cache.get(country or '')
        if index is not None:
            return index
        domain = [('country', '=', country)] if country else []
        names, bare = {}, {}
        for locality in cls.search_read(domain, fields_names=[
                    'name', 'alternatives', 'subdivision', 'seat']):
            spellings = [locality['name']] + (
                locality['alternatives'] or '').splitlines()
            if locality['seat']:
                # the governorate is found at its seat
                spellings.append(locality['subdivision'])
            for spelling in spellings:
                key, bare_key = keys(spelling)
                if not key:
                    continue
                for mapping, k in [(names, key), (bare, bare_key)]:
                    ids = mapping.setdefault(k, [])
                    if locality['id'] not in ids:
                        ids.append(locality['id'])
        index = {'names': names, 'bare': bare}
        cls._index_cache.set(country or '', index)
        return index

    @classmethod
    def lookup(cls, name, country=None):
        """The localities of the country (ISO code, every country when None)
        named name, case, accents, spaces and a leading article aside; the
        seats first, then the most populated.  Several when the name is
        ambiguous, none when unknown."""
        key, bare_key = keys(name)
        if not key:
            return []
        index = cls._index(country)
        ids = (index['names'].get(key)
            or index['bare'].get(key)
            or index['bare'].get(bare_key)
            or [])
        localities = cls.browse(ids)
        return sorted(localities, key=lambda l: (
                not l.seat, -(l.population or 0), l.name, l.id))
