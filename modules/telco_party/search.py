# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The search box of the customers: what an agent types in the client's
search bar (a part of a name, a phone number written any way, an identity
number, a part of an e-mail, a city, a code) found by one indexed query per
criterion."""
import re

from sql import Literal, Union
from sql.functions import Function
from sql.operators import ILike, Mod

from trytond import backend
from trytond.modules.telco_base import phone
from trytond.pool import Pool
from trytond.transaction import Transaction

# a word of a number written with spaces: 98, +216, (71), 0021698
NUMBER_WORD = re.compile(r'^\+?[\d()./-]*\d[\d()./-]*$')
# the end of a number: the last 4 to 7 digits of a line
NUMBER_END = re.compile(r'^\d{4,7}$')


class Similar(Mod):
    "pg_trgm's similarity operator (text % text), which its indexes serve"
    __slots__ = ()


class TrigramSimilarity(Function):
    __slots__ = ()
    _function = 'SIMILARITY'


def trigrams(text):
    "The trigrams of the words of text, as pg_trgm counts them"
    result = set()
    for word in re.findall(r'\w+', text.lower()):
        padded = f'  {word} '
        result.update(padded[i:i + 3] for i in range(len(padded) - 2))
    return result


def similarity(a, b):
    "pg_trgm's similarity of two texts: shared trigrams over all trigrams"
    a, b = trigrams(a), trigrams(b)
    return len(a & b) / len(a | b) if a and b else 0.0


def _literal(text):
    "The text as a LIKE pattern that matches it literally (escape: \\)"
    return (text.replace('\\', '\\\\')
        .replace('%', '\\%').replace('_', '\\_'))


def _typed(pattern):
    "The text typed, without the wildcards the clients put around it"
    if pattern.startswith('%'):
        pattern = pattern[1:]
    if pattern.endswith('%') and not pattern.endswith('\\%'):
        pattern = pattern[:-1]
    return pattern.strip()


def _contains(column, pattern):
    "ILIKE with the backslash as escape character"
    if backend.name == 'sqlite':
        # SQLite has no escape character by default
        return ILike(column, pattern, escape='\\')
    # PostgreSQL's default, which keeps the trigram index in use
    return column.ilike(pattern)


class PartySearchBox:
    "The search box of party.party"
    __slots__ = ()

    @classmethod
    def search(
            cls, domain, offset=0, limit=None, order=None, count=False,
            query=False):
        domain = cls._telco_join_number_words(domain)
        # The search box needs only the first names in name order when a
        # page is asked in that order: tell it how deep to look.
        window = None
        if (limit is not None and not count and cls._is_search_box(domain)
                and (order is None
                    or (order[0][0] == 'name'
                        and (order[0][1] or 'ASC').upper().startswith(
                            'ASC')))):
            window = (offset or 0) + limit
        with Transaction().set_context(_telco_search_window=window):
            result = super().search(
                domain, offset=offset, limit=limit, order=order, count=count,
                query=query)
        if not result and not query:
            # nothing contains the text: the names that look most like it
            similar = cls._telco_search_similar(domain)
            if similar is not None:
                found = super().search(similar[0], order=order)
                if order is None:
                    rank = {id_: i for i, id_ in enumerate(similar[1])}
                    found.sort(key=lambda p: rank[p.id])
                if count:
                    return len(found)
                end = None if limit is None else (offset or 0) + limit
                return found[offset or 0:end]
        return result

    # below this similarity (pg_trgm's default threshold), a name does not
    # look like the text; at most that many of them, the closest first
    _telco_similar_threshold = 0.3
    _telco_similar_limit = 20
    # names compared in Python where the database has no pg_trgm
    _telco_similar_scan = 20000

    @classmethod
    def _telco_search_similar(cls, domain):
        """Return the domain with the search box's text replaced by the
        names that look most like it, and their ids from the closest, or
        None when the domain has no such text.

        Only for a text of letters of 4 characters at least, typed in the
        search box (its words together), without alternatives (OR): a
        misspelt name (Trabelssi, Mohamd Benali)."""
        clauses = []
        in_or = False

        def replace(domain):
            nonlocal in_or
            if (isinstance(domain, (list, tuple)) and len(domain) == 3
                    and domain[0] == 'rec_name' and domain[1] == 'ilike'
                    and isinstance(domain[2], str)):
                clauses.append(domain)
                # the words of the search bar are one text
                return ('id', 'in', ids) if len(clauses) == 1 else []
            if isinstance(domain, (list, tuple)):
                if domain and domain[0] == 'OR':
                    in_or = True
                return [replace(d) for d in domain]
            return domain

        ids = []
        new_domain = replace(domain)
        if not clauses or in_or:
            return None
        text = ' '.join(_typed(c[2]) for c in clauses)
        if len(text) < 4 or any(c.isdigit() or c in '@%_\\' for c in text):
            return None
        ids.extend(cls._telco_similar_ids(text))
        if not ids:
            return None
        return new_domain, list(ids)

    @classmethod
    def _telco_similar_ids(cls, text):
        """The ids of the parties of the user's operators whose name looks
        like text, the closest first: by pg_trgm's index on PostgreSQL,
        else by the same measure in Python over a bounded number of
        names"""
        pool = Pool()
        User = pool.get('res.user')
        party = cls.__table__()
        cursor = Transaction().connection.cursor()
        companies = User.get_companies()
        scope = party.company.in_(list(companies) or [-1])
        if Transaction().context.get('active_test', True):
            scope &= party.active == Literal(True)
        limit = cls._telco_similar_limit
        if backend.name == 'postgresql':
            cursor.execute(
                "SELECT 1 FROM pg_proc WHERE proname = 'similarity'")
            if not cursor.fetchone():
                return []
            score = TrigramSimilarity(party.name, text)
            cursor.execute(*party.select(party.id,
                    where=scope & Similar(party.name, text)
                    & (score >= cls._telco_similar_threshold),
                    order_by=[score.desc, party.id.asc], limit=limit))
            return [i for i, in cursor]
        cursor.execute(*party.select(party.id, party.name, where=scope,
                limit=cls._telco_similar_scan))
        scored = [(similarity(name or '', text), id_)
            for id_, name in cursor]
        scored = [(-s, i) for s, i in scored
            if s >= cls._telco_similar_threshold]
        return [i for _, i in sorted(scored)[:limit]]

    @classmethod
    def _telco_join_number_words(cls, domain):
        """Return the domain with the words of a number written with
        spaces joined into one clause.

        The clients cut the text of the search bar at the spaces into one
        clause per word, all of them required: `98 123 456` would look for
        parties matching `98`, `123` and `456` each.  Consecutive words
        that are parts of a number are searched as the number they form."""
        if (not isinstance(domain, (list, tuple)) or not domain
                or (isinstance(domain[0], str)
                    and domain[0] not in {'AND', 'OR'})):
            return domain
        items = list(domain)
        head = [items.pop(0)] if isinstance(items[0], str) else []
        joined = [cls._telco_join_number_words(i) for i in items]
        changed = any(j is not i for j, i in zip(joined, items))
        result, run = [], []

        def flush():
            nonlocal changed
            if len(run) > 1:
                text = ' '.join(word for word, _ in run)
                result.append(('rec_name', 'ilike', f'%{text}%'))
                changed = True
            else:
                result.extend(clause for _, clause in run)
            run.clear()
        for item in joined:
            word = (cls._telco_number_word(item)
                if head != ['OR'] else None)
            if word:
                run.append((word, item))
            else:
                flush()
                result.append(item)
        flush()
        return head + result if changed else domain

    @staticmethod
    def _telco_number_word(clause):
        "The part of a number the search box clause looks for, if any"
        if (isinstance(clause, (list, tuple)) and len(clause) == 3
                and clause[0] == 'rec_name' and clause[1] == 'ilike'
                and isinstance(clause[2], str)):
            value = clause[2]
            if (len(value) > 2 and value.startswith('%')
                    and value.endswith('%')
                    and NUMBER_WORD.match(value[1:-1])):
                return value[1:-1]

    @staticmethod
    def _is_search_box(domain):
        "Whether the domain is the search box's clause alone"
        while (isinstance(domain, (list, tuple)) and domain
                and not isinstance(domain[0], str)):
            if len(domain) != 1:
                return False
            domain = domain[0]
        return (isinstance(domain, (list, tuple)) and len(domain) == 3
            and domain[0] == 'rec_name' and domain[1] in {'ilike', 'like'})

    @classmethod
    def search_rec_name(cls, name, clause):
        _, operator, operand, *extra = clause
        if operator in {'ilike', 'like'} and isinstance(operand, str):
            if operand.strip('%').strip():
                return cls._telco_search_query(operand)
            # only the wildcards the clients put around an empty text: the
            # list as without a search, in the order of the name index,
            # instead of an ilike that reads the whole table
            return []
        return super().search_rec_name(name, clause)

    # customers the global search shows at most
    _telco_global_limit = 20
    # rows of the name index read, per result asked, before looking the
    # name up in the trigram index instead
    _telco_search_walk = 1000
    # from this length on, a part of a name is most often rare
    _telco_search_long = 12

    @classmethod
    def _telco_search_by_name(cls, party, scope, pattern, window, walk):
        """Return the query of the parties in scope whose name matches.

        When only the first of the window in name order are needed, walk
        the name index of the operator: a common part of a name fills the
        window within a few rows.  A rare part is found at once by the
        trigram index, which reads all the matches of a common one.
        PostgreSQL cannot tell these cases apart from its statistics, so
        the walk is bounded and a long or numeric part, most often rare,
        goes to the trigram index first.  The walk needs the name index of
        one operator."""
        where = scope & _contains(party.name, pattern)
        if not window:
            return party.select(party.id, where=where)
        if not walk:
            query = party.select(party.id, party.name, where=where,
                order_by=[party.name.asc, party.id.asc], limit=window)
            return query.select(query.id)
        cursor = Transaction().connection.cursor()
        rare = (len(pattern.strip('%')) >= cls._telco_search_long
            or any(c.isdigit() for c in pattern))
        if rare:
            # more than the window: all of them when the part is rare
            probe = window * 10
            cursor.execute(*party.select(party.id, where=where, limit=probe))
            ids = [i for i, in cursor]
            if len(ids) < probe:
                return party.select(party.id, where=party.id.in_(ids or [-1]))
        walked = party.select(party.id, party.name, where=scope,
            order_by=[party.name.asc, party.id.asc],
            limit=window * cls._telco_search_walk)
        first = walked.select(walked.id,
            where=_contains(walked.name, pattern),
            order_by=[walked.name.asc, walked.id.asc],
            limit=window)
        cursor.execute(*first)
        ids = [i for i, in cursor]
        if len(ids) == window:
            return party.select(party.id, where=party.id.in_(ids))
        return party.select(party.id, where=where)

    @classmethod
    def _telco_search_query(cls, text):
        """Return the domain of the parties found by the search box: any
        part of the name, any written form of a phone or line number, the
        identity number, any part of the e-mail (a text without spaces
        with an @, a dot or an underscore, or long), the city or the code.
        One indexed query per criterion, united."""
        pool = Pool()
        Identifier = pool.get('party.identifier')
        Mechanism = pool.get('party.contact_mechanism')
        Address = pool.get('party.address')
        User = pool.get('res.user')
        Company = pool.get('company.company')
        party = cls.__table__()
        identifier = Identifier.__table__()
        mechanism = Mechanism.__table__()
        address = Address.__table__()

        # the wildcards the clients put around the text, not those typed
        value = _typed(text.strip())
        region = Company.phone_region(User._current_company())
        # the access rules still apply to the result: these filters only
        # let the database read the user's operators first
        companies = User.get_companies()
        if len(companies) == 1:
            in_companies = party.company == companies[0]
        else:
            in_companies = party.company.in_(list(companies) or [-1])
        scope = in_companies
        if Transaction().context.get('active_test', True):
            scope &= party.active == Literal(True)
        words = value.split()
        if (len(words) > 1 and not phone.to_e164(value, region)
                and not NUMBER_END.match(''.join(words))):
            # several words in one clause (the global search, a customer
            # field, the finder), in any order: first all of them in the
            # name, one query that the trigram index narrows by every word
            in_name = scope
            for word in words:
                in_name &= _contains(party.name, '%' + _literal(word) + '%')
            cursor = Transaction().connection.cursor()
            cursor.execute(*party.select(party.id, where=in_name, limit=1))
            if cursor.fetchone():
                return [('id', 'in', party.select(party.id, where=in_name))]
            # else each word in any field; the first names in name order of
            # one word are not those of all (a word of one or two letters,
            # which no index narrows, is looked for in the names the other
            # words found)
            long_words = [w for w in words if len(w) >= 3]
            short_words = [w for w in words if len(w) < 3 and long_words]
            with Transaction().set_context(_telco_search_window=None):
                domain = [clause for word in (long_words or words)
                    for clause in cls._telco_search_query(word)]
            return domain + [
                ('name', 'ilike', '%' + _literal(word) + '%')
                for word in short_words]
        # %, _ and \ are searched as themselves
        literal = _literal(value)
        pattern = '%' + literal + '%'
        queries = [
            cls._telco_search_by_name(party, scope, pattern,
                Transaction().context.get('_telco_search_window'),
                walk=len(companies) == 1),
            party.select(party.id, where=party.code == value),
            identifier.select(identifier.party,
                where=identifier.code == value),
            identifier.select(identifier.party,
                where=identifier.code_compact == value.replace(' ', '')),
            ]
        if ((any(c in value for c in '@._')
                    or len(value) >= cls._telco_search_long)
                and not any(c.isspace() for c in value)):
            # any part of an e-mail address that looks like one (an @, a
            # dot or an underscore) or is long: a short word is most often
            # a part of a name, and a common one (mohamed) would read a
            # large share of the e-mails
            owner = cls.__table__()
            scope_owner = owner.company.in_(list(companies) or [-1])
            if Transaction().context.get('active_test', True):
                scope_owner &= owner.active == Literal(True)
            queries.append(mechanism.join(owner,
                    condition=mechanism.party == owner.id
                    ).select(mechanism.party,
                    where=(mechanism.type == 'email')
                    & ILike(mechanism.value, pattern, escape='\\')
                    & scope_owner))
        number = phone.to_e164(value, region)
        if number:
            queries.extend(cls._telco_search_number(number))
        elif NUMBER_END.match(value.replace(' ', '')):
            queries.extend(cls._telco_search_number_end(
                    value.replace(' ', '')))
        elif not any(c.isdigit() for c in value):
            queries.append(address.select(address.party,
                    where=_contains(address.city, literal)))
        return [('id', 'in', Union(*queries))]

    @classmethod
    def _telco_search_number(cls, number):
        """Return the queries of the parties that the phone number in E.164
        form designates"""
        pool = Pool()
        Mechanism = pool.get('party.contact_mechanism')
        mechanism = Mechanism.__table__()
        return [mechanism.select(mechanism.party,
                where=mechanism.value_compact == number)]

    @classmethod
    def _telco_search_number_end(cls, digits):
        """Return the queries of the parties that a number ending with the
        digits designates (modules add theirs: telco_line the lines)"""
        return []
