"""The joint review's routes, one router per aggregate, included in the order the OpenAPI document
lists them, so the app registers one router."""

from __future__ import annotations

from fastapi import APIRouter

from services.review.joint_review.applications.router import router as applications_router
from services.review.joint_review.assessments.router import router as assessments_router
from services.review.joint_review.results.router import router as results_router
from services.review.joint_review.rounds.router import router as rounds_router
from services.review.joint_review.selections.router import router as selections_router

router = APIRouter()
for aggregate in (
    rounds_router,
    selections_router,
    applications_router,
    assessments_router,
    results_router,
):
    router.include_router(aggregate)
