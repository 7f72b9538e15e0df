"""Workflows as tables: each workflow (an issue's rectification, a ledger submission's
sign-off and review, a survey's publication) is one `Workflow` of named transitions, read by
its services to refuse what the state or the role does not allow, and by the pages and the
API to show only the actions a user may take."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


class TransitionError(Exception):
    """The object is not in a state that allows the action (HTTP 409)."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class Transition:
    """One action of a workflow: the states it leaves, the state it reaches (None: the state
    stays, e.g. a comment), the roles that may take it, and its name in messages."""

    def __init__(self, name, label, sources, target, roles):
        self.name, self.label, self.target = name, label, target
        self.sources, self.roles = frozenset(sources), frozenset(roles)


class Workflow:
    """The transitions table of one model's `status` field."""

    def __init__(self, *transitions, field="status"):
        self.field = field
        self.transitions = {t.name: t for t in transitions}

    def __getitem__(self, name):
        return self.transitions[name]

    def __iter__(self):
        return iter(self.transitions.values())

    def state_of(self, obj):
        return getattr(obj, self.field)

    def check(self, obj, name):
        """The transition `name` if `obj`'s state allows it, else TransitionError (409)."""
        transition = self[name]
        if self.state_of(obj) not in transition.sources:
            shown = getattr(obj, f"get_{self.field}_display")()
            raise TransitionError(f"{obj._meta.verbose_name}当前状态为“{shown}”，"
                                  f"不能{transition.label}。")
        return transition

    def leading_to(self, target):
        """The transition that reaches the state `target` (one per target state)."""
        return next(t for t in self if t.target == target)

    def allowed_role(self, user, name):
        from .scoping import may_write

        return may_write(user, self[name].roles)

    def available(self, obj, user):
        """Names of the actions `user` may take on `obj` now (the service checks again)."""
        state = self.state_of(obj)
        return {t.name for t in self if state in t.sources and self.allowed_role(user, t.name)}


@extend_schema_field({"type": "array", "items": {"type": "string"},
                      "description": "调用者现在可以执行的操作（流程表中的名称）"})
class ActionsField(serializers.Field):
    """The API's view of a workflow: the names of the actions the caller may take on the
    object now (the model's `available_actions(user)` where it adds conditions of its own,
    else the table's)."""

    def __init__(self, workflow, **kwargs):
        self.workflow = workflow
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, obj):
        request = self.context.get("request")
        if request is None or not request.user.is_authenticated:
            return []
        if hasattr(obj, "available_actions"):
            return sorted(obj.available_actions(request.user))
        return sorted(self.workflow.available(obj, request.user))
