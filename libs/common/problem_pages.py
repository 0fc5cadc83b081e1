"""``GET /problems`` and ``GET /problems/{slug}``: where a problem's ``type`` URI leads.

A page for people (HTML, Japanese first, no script), or the same facts as JSON for a client that
asks ``Accept: application/json``. Public: a partner follows a ``type`` from any answer, a 401
included. The facts come from the registered catalogue (libs/common/problem_catalogue.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi import Path as PathParameter
from fastapi.responses import HTMLResponse, JSONResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from pydantic import BaseModel

from libs.common.contract import component_schema
from libs.common.errors import (
    PROBLEMS_PATH,
    NotFound,
    problem_base_of,
    problem_doc,
    problem_type,
)
from libs.common.problem_catalogue import ProblemCatalogue, ProblemType, problem_catalogue
from libs.common.problem_documents import (
    ExtensionMemberDescription,
    FrameworkRuleCodes,
    ProblemTypeDescription,
    ProblemTypeIndex,
    RuleCodeDescription,
    summary,
)

router = APIRouter(prefix=PROBLEMS_PATH, tags=["problems"])

_ENV = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "problem_templates"),
    autoescape=select_autoescape(enabled_extensions=("html.j2",), default=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
# The pages run no script, embed nothing and post nowhere; both representations vary by Accept.
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "form-action 'none'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Vary": "Accept",
}
JSON = "application/json"
HTML = "text/html"


def _page_or_json(model: type[BaseModel], description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {
            HTML: {"schema": {"type": "string"}},
            JSON: {"schema": component_schema(model)},
        },
    }


def _quality(accept: str, media_type: str) -> tuple[float, bool]:
    """The q the ``Accept`` header gives ``media_type`` (its most specific range), and whether
    it names it exactly."""
    kind = media_type.split("/")[0]
    found: dict[str, float] = {}
    for part in accept.split(","):
        media, *parameters = (p.strip() for p in part.split(";"))
        quality = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        found.setdefault(media.lower(), quality)
    for candidate in (media_type, f"{kind}/*", "*/*"):
        if candidate in found:
            return found[candidate], candidate == media_type
    return 0.0, False


def wants_json(accept: str | None) -> bool:
    """JSON when the client prefers it to HTML: ``Accept: application/json`` does; a browser's
    header (HTML first) and ``*/*`` alone get the page."""
    if not accept:
        return False
    json_quality, named = _quality(accept, JSON)
    html_quality, _ = _quality(accept, HTML)
    return json_quality > 0 and (
        json_quality > html_quality or (named and json_quality == html_quality)
    )


def _render(template: str, **variables: Any) -> HTMLResponse:
    return HTMLResponse(_ENV.get_template(template).render(**variables), headers=HEADERS)


def _json(document: BaseModel) -> JSONResponse:
    return JSONResponse(document.model_dump(mode="json"), headers=HEADERS)


def describe(
    catalogue: ProblemCatalogue, problem: ProblemType, base: str
) -> ProblemTypeDescription:
    framework = catalogue.framework_rules_of(problem.slug)
    return ProblemTypeDescription(
        **summary(problem, base).model_dump(),
        when=problem.when,
        what_to_do=problem.what_to_do,
        services=list(problem.services),
        extension_members=[
            ExtensionMemberDescription(name=m.name, meaning=m.meaning)
            for m in catalogue.members_of(problem.slug)
        ],
        rule_codes=[
            RuleCodeDescription(code=r.code, meaning=r.meaning, services=list(r.services))
            for r in catalogue.rule_codes_of(problem.slug)
        ],
        framework_rule_codes=(
            FrameworkRuleCodes(meaning=framework.meaning, reference=framework.reference)
            if framework
            else None
        ),
    )


@router.get(
    "",
    summary="Every problem type this API answers with (a page, or JSON)",
    description="問題の種類の一覧。`Accept: application/json` で JSON"
    "（the problem types: an HTML page, or JSON when the client asks for it）",
    response_class=HTMLResponse,
    responses={200: _page_or_json(ProblemTypeIndex, "The problem types")},
)
async def list_problem_types(request: Request) -> Response:
    base = problem_base_of(request.scope)
    index = ProblemTypeIndex(problem_types=[summary(t, base) for t in problem_catalogue().types])
    if wants_json(request.headers.get("accept")):
        return _json(index)
    return _render("index.html.j2", index=index, problems_path=PROBLEMS_PATH)


@router.get(
    "/{slug}",
    summary="One problem type: when it happens and what to do (a page, or JSON)",
    description="問題の種類の説明。`type` の URI が指すページ"
    "（what a problem `type` URI leads to: its status, when it happens, what the client should "
    "do, its extension members and rule codes）",
    response_class=HTMLResponse,
    responses={
        200: _page_or_json(ProblemTypeDescription, "The problem type"),
        404: problem_doc("No problem type with this slug"),
    },
)
async def get_problem_type(
    request: Request,
    slug: Annotated[
        str,
        PathParameter(
            description="問題の種類（the last segment of a problem's `type` URI）",
            examples=["validation"],
        ),
    ],
) -> Response:
    catalogue = problem_catalogue()
    problem = catalogue.type_of(slug)
    if problem is None:
        index = problem_type(problem_base_of(request.scope), "").removesuffix("/")
        raise NotFound(
            f"この種類の問題はありません: {slug!r}（no problem type {slug!r}; see {index}）"
        )
    described = describe(catalogue, problem, problem_base_of(request.scope))
    if wants_json(request.headers.get("accept")):
        return _json(described)
    return _render("problem_type.html.j2", problem=described, problems_path=PROBLEMS_PATH)
