"""One error shape for the whole API, whatever app or layer raised the fault.

- 400: the field map, `{"<field>": ["message", …]}`; a message about no single field is under
  `non_field_errors`, and a malformed body under `detail`.
- 401 / 403 / 404 / 405 / 409 / 429: `{"detail": "message", "code": "not_found"}`.

Services raise Django's `ValidationError` (400), `PermissionDenied` (403), `NotInScope` or
any `ObjectDoesNotExist` (404) and `TransitionError` (409); views and actions call them
without adapters and this handler answers.
"""

from django.conf import settings
from django.core.exceptions import (
    ObjectDoesNotExist,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpResponseBadRequest, JsonResponse
from django.template import loader
from django.views import defaults
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.views import exception_handler as drf_exception_handler

from .workflow import TransitionError


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "当前状态不允许此操作。"
    default_code = "conflict"


def field_errors(exc):
    """A Django ValidationError as the DRF one with the field map (serializers raise it from
    `validate()`, so forms and the API share the model's rules)."""
    if hasattr(exc, "error_dict"):
        return serializers.ValidationError(exc.message_dict)
    return serializers.ValidationError({"non_field_errors": exc.messages})


class BadRequestBody(exceptions.ParseError):
    default_code = "parse_error"


def request_refusal(exc):
    """The Chinese sentence for a request Django or DRF could not read, or None."""
    if isinstance(exc, TooManyFilesSent):
        return (f"一次最多上传 {settings.DATA_UPLOAD_MAX_NUMBER_FILES} 个文件，"
                "请分几次上传。")
    if isinstance(exc, TooManyFieldsSent):
        return "提交的字段过多，请分几次提交。"
    if isinstance(exc, RequestDataTooBig):
        return "提交的内容过大，请减少内容或分几次提交。"
    if isinstance(exc, exceptions.ParseError):
        if "JSON" in str(exc.detail):
            return "请求内容不是有效的 JSON，请检查格式（如引号、逗号和括号是否成对）。"
        return "请求内容无法读取，请检查格式后重试。"
    return None


def _as_api_exception(exc):
    refusal = request_refusal(exc)
    if refusal is not None:
        return BadRequestBody(refusal)
    if isinstance(exc, TransitionError):
        return Conflict(exc.message)
    if isinstance(exc, DjangoValidationError):
        return field_errors(exc)
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied(str(exc) or None)
    if isinstance(exc, (Http404, ObjectDoesNotExist)):
        return exceptions.NotFound(str(exc) if isinstance(exc, Http404) and str(exc) else None)
    return exc


def exception_handler(exc, context):
    """REST_FRAMEWORK["EXCEPTION_HANDLER"]: map the service errors, then let DRF answer and
    add the error's `code` to every `{"detail": …}` body."""
    exc = _as_api_exception(exc)
    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response
    if response.status_code != status.HTTP_400_BAD_REQUEST or set(response.data) == {"detail"}:
        detail = exc.detail if isinstance(exc.detail, str) else response.data.get("detail", "")
        response.data = {"detail": str(detail), "code": getattr(detail, "code", None)
                         or exc.default_code}
    return response


class ErrorSerializer(serializers.Serializer):
    """Every refusal that is not about fields: 401, 403, 404, 405, 409, 429."""

    detail = serializers.CharField(help_text="给用户看的中文说明")
    code = serializers.CharField(help_text="not_authenticated、permission_denied、not_found、"
                                           "conflict 等")


# 400: each field with its messages; nested inputs (a list of checklist results) nest the
# same way, and a body that could not be read at all answers {"detail": …}.
FIELD_ERRORS = {
    "type": "object",
    "description": "每个字段及其错误说明；与单个字段无关的说明在 non_field_errors 中",
    "additionalProperties": {},
    "example": {"reason": ["请填写退回理由。"]},
}


class ErrorSchema(AutoSchema):
    """The error answers on every operation: 400 (field map) where there is input, 401 and 403
    wherever a login is needed, 404 where the path names an object, 409 on writes."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        method = self.method.upper()
        public = not self._get_auth_required()
        errors = {}
        if method in ("POST", "PUT", "PATCH") or self._get_filter_parameters() \
                or self._get_pagination_parameters():
            errors["400"] = OpenApiResponse(FIELD_ERRORS, description="输入有误，按字段列出原因")
        if not public:
            errors["401"] = OpenApiResponse(ErrorSerializer, description="未登录或令牌无效")
            errors["403"] = OpenApiResponse(ErrorSerializer, description="角色无权执行此操作")
        if "{" in self.path:
            errors["404"] = OpenApiResponse(ErrorSerializer, description="不存在或不在您的管辖范围内")
        if method in ("POST", "PUT", "PATCH", "DELETE") and not public:
            errors["409"] = OpenApiResponse(ErrorSerializer, description="当前状态不允许此操作")
        if self.view.get_throttles():
            errors["429"] = OpenApiResponse(ErrorSerializer, description="请求过于频繁，请稍后再试")
        for code, response in errors.items():
            if code not in responses:
                responses[code] = self._get_response_for_code(response, code,
                                                              direction=direction)
        return responses

    def _get_auth_required(self):
        permissions = self.view.get_permissions()
        return bool(permissions) and not all(isinstance(p, AllowAny) for p in permissions)


def page_not_found(request, exception):
    """handler404: a path under /api/ that matches no route answers the API's JSON body (a
    machine asking for a mistyped id such as `/api/v1/points/0.5/` reads JSON, as for any
    other 404 of the API); every other path gets the product's Chinese page."""
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": "未找到。", "code": "not_found"}, status=404,
                            json_dumps_params={"ensure_ascii": False})
    return defaults.page_not_found(request, exception)


def bad_request(request, exception):
    """handler400: a request Django refused before any view (too many files or fields, a
    body too large, a suspicious header) answers in Chinese, as JSON under /api/."""
    message = request_refusal(exception) or "请求无法处理，请检查后重试。"
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": message, "code": "bad_request"}, status=400,
                            json_dumps_params={"ensure_ascii": False})
    return HttpResponseBadRequest(loader.render_to_string("400.html", {"message": message},
                                                          request))


class SchemaAccess(BasePermission):
    """The API schema and its documentation page: anybody in a local DEBUG run or with
    API_SCHEMA_PUBLIC, otherwise only a logged-in user (session or token): the schema names
    every resource and field, which is no business of an anonymous caller."""

    def has_permission(self, request, view):
        if settings.DEBUG or getattr(settings, "API_SCHEMA_PUBLIC", False):
            return True
        return bool(request.user and request.user.is_authenticated)
