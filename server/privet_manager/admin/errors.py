"""What the console refuses, each code written once."""

from __future__ import annotations

from privet_manager.kit.errors import Conflict, Forbidden, NotFound, Unprocessable


class LastAdmin(Conflict):
    code = "last_admin"
    detail = (
        "Это последний активный администратор: назначьте другого администратора, "
        "прежде чем отключать или понижать этого"
    )


class OwnRole(Forbidden):
    code = "own_role"
    detail = "Свою роль изменить нельзя: попросите другого администратора"
    default_loc = ("body", "role")


class AssigneeUnavailable(Unprocessable):
    code = "assignee_unavailable"
    detail = "Такого активного менеджера нет"
    default_loc = ("body", "manager_id")


class ClientFinished(Conflict):
    code = "client_signed"
    detail = "Клиент уже подписал договор: передать его другому менеджеру нельзя"


class ContractNotFound(NotFound):
    code = "contract_not_found"
    detail = "Договор не найден"
