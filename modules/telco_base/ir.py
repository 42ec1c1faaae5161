# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from sql.functions import Position, Substring

from trytond.i18n import gettext
from trytond.model import fields
from trytond.model.exceptions import AccessError
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction, without_check_access

# models whose rules depend on the user
USER_RULE_MODELS = {
    'company.company', 'res.user', 'telco.notification',
    'telco.admin.request'}


class ModelAccess(metaclass=PoolMeta):
    __name__ = 'ir.model.access'

    @classmethod
    def get_access(cls, models):
        pool = Pool()
        Company = pool.get('company.company')
        Feature = pool.get('telco.feature')
        User = pool.get('res.user')
        access = super().get_access(models)
        if not Transaction().user:
            return access
        company_id = User._current_company()
        if Company.service_state_of(company_id) != 'read_only':
            return access
        if User.is_platform_admin():
            return access
        # an operator unpaid past its grace period reads its features'
        # records but changes none of them
        frozen = Feature.feature_models()
        access = {m: dict(a) for m, a in access.items()}
        for model, maccess in access.items():
            if model in frozen:
                maccess.update(write=False, create=False, delete=False)
        return access

    @classmethod
    def check(cls, model_name, mode='read', raise_exception=True):
        pool = Pool()
        Feature = pool.get('telco.feature')
        User = pool.get('res.user')
        Company = pool.get('company.company')
        try:
            return super().check(
                model_name, mode=mode, raise_exception=raise_exception)
        except AccessError as exception:
            if not Transaction().user:
                raise
            company_id = User._current_company()
            state = Company.service_state_of(company_id)
            with without_check_access():
                if (state == 'read_only' and mode != 'read'
                        and model_name in Feature.feature_models()
                        and cls.check(model_name, 'read', False)) or (
                        state == 'suspended'
                        and Feature.disabled_for_model(
                            model_name, company_id)):
                    raise AccessError(gettext(
                            f'telco_base.msg_operator_{state}',
                            operator=Company(company_id).rec_name)
                        ) from exception
            with without_check_access():
                feature = Feature.disabled_for_model(model_name, company_id)
                if not feature:
                    raise
                operator = (
                    Company(company_id).rec_name if company_id else '-')
                raise AccessError(gettext(
                        'telco_base.msg_feature_disabled',
                        feature=feature.rec_name,
                        operator=operator)) from exception


class Rule(metaclass=PoolMeta):
    __name__ = 'ir.rule'

    @classmethod
    def _get_context(cls, model_name):
        context = super()._get_context(model_name)
        if model_name in USER_RULE_MODELS:
            context['user_id'] = Transaction().user
        return context

    @classmethod
    def _get_cache_key(cls, model_names):
        key = super()._get_cache_key(model_names)
        if set(model_names) & USER_RULE_MODELS:
            key = (*key, Transaction().user)
        return key


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.append(
            ('telco.notification|retry_emails',
                "Retry Notification E-mails"))


def resource_operator(resource, _depth=0):
    """Return the id of the operator that owns the resource: its company,
    the company of the record it follows for its access (__access__) or,
    for a record attached to another one (an attachment of an e-mail), the
    operator of that one; None for a shared record."""
    pool = Pool()
    if resource is None or _depth > 8:
        return None
    if isinstance(resource, str):
        if ',' not in resource:
            return None
        name, id_ = resource.split(',', 1)
        resource = (name, id_)
    if isinstance(resource, (list, tuple)):
        name, id_ = resource
        try:
            id_ = int(id_)
            Target = pool.get(name)
        except (ValueError, TypeError, KeyError):
            return None
        if id_ < 0:
            return None
        resource = Target(id_)
    with without_check_access():
        if resource.__name__ == 'company.company':
            return resource.id
        field = resource._fields.get('company')
        if (field is not None and getattr(field, 'model_name', None)
                == 'company.company'):
            company = getattr(resource, 'company', None)
            return company.id if company else None
        for name in sorted(resource.__access__):
            parent = getattr(resource, name, None)
            if parent is not None:
                return resource_operator(parent, _depth + 1)
        if 'resource' in resource._fields:
            return resource_operator(
                getattr(resource, 'resource', None), _depth + 1)
    return None


class ReadableResourceMixin:
    """Lists of records bound to a resource (attachments, notes, e-mails,
    the model log) leave out the resources of models the user may not read
    at all: core would refuse the whole list (the platform administrator
    reads no operator's quotes, an operator without offers reads none)."""
    __slots__ = ()

    @classmethod
    def search(cls, domain, offset=0, limit=None, order=None, count=False,
            **kwargs):
        transaction = Transaction()
        if (transaction.user and transaction.check_access
                and not kwargs.get('query', False)):
            hidden = cls._unreadable_resource_models()
            if hidden:
                domain = [domain, ['OR',
                        ('resource', '=', None),
                        [('resource', 'not like', f'{m},%')
                            for m in hidden],
                        ]]
        return super().search(domain, offset=offset, limit=limit,
            order=order, count=count, **kwargs)

    @classmethod
    def _unreadable_resource_models(cls):
        "The models of the stored resources the user may not read"
        pool = Pool()
        ModelAccess = pool.get('ir.model.access')
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        model = Substring(
            table.resource, 1, Position(',', table.resource) - 1)
        cursor.execute(*table.select(model, distinct=True,
                where=table.resource != None))  # noqa: E711
        models = []
        for name, in cursor:
            try:
                pool.get(name)
            except KeyError:
                # the resource of a module since removed
                continue
            models.append(name)
        access = ModelAccess.get_access(models)
        return sorted(m for m in models if not access[m]['read'])


class ResourceOperatorMixin(ReadableResourceMixin):
    """Records bound to a resource (attachments, notes, e-mails) carry the
    operator of their resource, so that the record rules keep them to it
    before the resource's own access is checked: another operator's
    records are never listed, even when its resource's model is a feature
    the user's operator has not subscribed to."""
    __slots__ = ()
    company = fields.Many2One(
        'company.company', "Operator", readonly=True, ondelete='CASCADE')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.discard('company')

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if 'resource' in values:
            values['company'] = resource_operator(values['resource'])
        return values


class Attachment(ResourceOperatorMixin, metaclass=PoolMeta):
    __name__ = 'ir.attachment'


class Note(ResourceOperatorMixin, metaclass=PoolMeta):
    __name__ = 'ir.note'


class Email(ResourceOperatorMixin, metaclass=PoolMeta):
    __name__ = 'ir.email'

    @classmethod
    def send(cls, to='', cc='', bcc='', subject='', body='',
            files=None, record=None, reports=None, attachments=None):
        pool = Pool()
        Attachment = pool.get('ir.attachment')
        transaction = Transaction()
        if transaction.user and transaction.check_access:
            # the record, its reports and the attachments sent with it must
            # be ones the user may read
            if record:
                Model = pool.get(record[0])
                Model.read([int(record[1])], ['id'])
            if attachments:
                Attachment.read(list(map(int, attachments)), ['id'])
        return super().send(
            to=to, cc=cc, bcc=bcc, subject=subject, body=body, files=files,
            record=record, reports=reports, attachments=attachments)

    @classmethod
    def _match(cls, name, email):
        pool = Pool()
        User = pool.get('res.user')
        transaction = Transaction()
        if not transaction.user:
            yield from super()._match(name, email)
            return
        # only the staff of the user's own operators are proposed
        granted = User._granted_companies(transaction.user)
        with without_check_access():
            allowed = {
                u.email for u in User.search([
                        ('companies', 'in', list(granted)),
                        ('email', '!=', ''),
                        ])}
        for match_name, match_email in super()._match(name, email):
            if match_email in allowed:
                yield match_name, match_email


class Menu(metaclass=PoolMeta):
    __name__ = 'ir.ui.menu'

    @classmethod
    def search(cls, domain, offset=0, limit=None, order=None, count=False,
            query=False):
        "Leave out the menus whose actions are all kept to other groups"
        pool = Pool()
        User = pool.get('res.user')
        transaction = Transaction()
        menus = super().search(domain, offset=offset, limit=limit,
            order=order, count=False, query=query)
        if query:
            return menus
        if transaction.check_access and transaction.user and menus:
            # core hides a menu whose window's model is not readable, not
            # one whose wizard or report is granted to other groups: it
            # opens on an access error
            groups = set(User.get_groups())

            def granted(menu):
                actions = [k.action for k in menu.action_keywords]
                return not actions or any(
                    not action.groups
                    or groups & {g.id for g in action.groups}
                    for action in actions)
            menus = [m for m in menus if granted(m)]
        if count:
            return len(menus)
        return menus


class ModelLog(ReadableResourceMixin, metaclass=PoolMeta):
    __name__ = 'ir.model.log'


class ChatChannel(metaclass=PoolMeta):
    __name__ = 'ir.chat.channel'

    @classmethod
    def check_access(cls, resource):
        pool = Pool()
        Rule = pool.get('ir.rule')
        super().check_access(resource)
        transaction = Transaction()
        if transaction.user:
            # core leaves the record rules of the resource to do
            model, id_ = str(resource).split(',')
            with transaction.set_context(_check_access=True):
                Rule.check(model, [int(id_)], mode='read')
