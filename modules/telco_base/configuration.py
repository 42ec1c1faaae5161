# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from sql import Column, Null

from trytond.model import ModelSingleton, ModelSQL, ModelView, fields
from trytond.modules.company.model import (
    CompanyMultiValueMixin, CompanyValueMixin)
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction, without_check_access


class Configuration(
        ModelSingleton, ModelSQL, ModelView, CompanyMultiValueMixin):
    """Telco configuration

    The settings each operator gives the telco modules, one value per
    operator (company multi-values), as Tryton's own configurations do:
    the business calendar, the numbering sequences of claims, quotes …
    that the modules add."""
    __name__ = 'telco.configuration'
    __string__ = "Telco Configuration"

    business_calendar = fields.MultiValue(fields.Many2One(
            'telco.calendar', "Business Calendar",
            domain=[
                ('company', '=', Eval('context', {}).get('company', -1)),
                ],
            help="The operator's working hours and holidays: service "
            "levels count their hours in it; without one, every hour "
            "counts."))

    @classmethod
    def multivalue_model(cls, field):
        pool = Pool()
        for name in [
                'telco.configuration.sequence',
                'telco.configuration.calendar']:
            Value = pool.get(name)
            if field in Value._fields and field != 'company':
                return Value
        return super().multivalue_model(field)

    def multivalue_records(self, field):
        # the values of the operators the transaction acts for: not the
        # shared cache of ValueMixin.values(), which would keep the rows
        # one user's rules let through for every user
        Value = self.multivalue_model(field)
        if issubclass(Value, CompanyValueMixin):
            return sorted(Value.search([]), key=lambda r: r.company is None)
        return super().multivalue_records(field)

    @classmethod
    def next_number(
            cls, field, company_id, sequence_type, name, prefix, padding):
        """Return the next number of the operator's sequence in field; the
        sequence of sequence_type is created for the operator on first
        use"""
        pool = Pool()
        Sequence = pool.get('ir.sequence')
        Company = pool.get('company.company')
        with Transaction().set_user(0), without_check_access(), \
                Transaction().set_context(company=company_id):
            if not cls.get_singleton():
                # read, the configuration shows its values once it exists
                cls.create([{}])
            sequence = cls(1).get_multivalue(field, company=company_id)
            if not sequence:
                # two first numbers at once create one sequence
                Company.lock([Company(company_id)])
                sequence = cls(1).get_multivalue(field, company=company_id)
            if not sequence:
                company = Company(company_id)
                sequence = Sequence(
                    name=f'{company.rec_name}: {name}',
                    sequence_type=sequence_type, company=company,
                    prefix=prefix, padding=padding)
                sequence.save()
                cls(1).set_multivalue(field, sequence, company=company_id)
            return sequence.get()


class ConfigurationSequence(ModelSQL, CompanyValueMixin):
    "Telco configuration sequences of an operator"
    __name__ = 'telco.configuration.sequence'
    __string__ = "Telco Configuration Sequence"


class ConfigurationCalendar(ModelSQL, CompanyValueMixin):
    "Telco configuration calendar of an operator"
    __name__ = 'telco.configuration.calendar'
    __string__ = "Telco Configuration Calendar"

    business_calendar = fields.Many2One(
        'telco.calendar', "Business Calendar", ondelete='SET NULL',
        domain=[('company', '=', Eval('company', -1))])


def move_sequences(Value, module, field):
    """Move the operators' sequences kept in company.company's column field
    to the configuration's values, then drop the column (migration, from
    the __register__ of the value model)"""
    Company = Pool().get('company.company')
    company_h = Company.__table_handler__(module)
    if not company_h.column_exist(field):
        return
    value = Value.__table__()
    company = Company.__table__()
    cursor = Transaction().connection.cursor()
    cursor.execute(*company.select(company.id, Column(company, field),
            where=Column(company, field) != Null))
    for company_id, sequence_id in cursor.fetchall():
        cursor.execute(*value.select(value.id,
                where=value.company == company_id, limit=1))
        row = cursor.fetchone()
        if row:
            cursor.execute(*value.update(
                    [Column(value, field)], [sequence_id],
                    where=(value.id == row[0])
                    & (Column(value, field) == Null)))
        else:
            cursor.execute(*value.insert(
                    [value.company, Column(value, field)],
                    [[company_id, sequence_id]]))
    company_h.drop_column(field)
