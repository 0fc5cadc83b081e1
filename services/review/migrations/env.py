from libs.common.migrations import run_env
from services.review.models import Base, load_all_models

load_all_models()
run_env(Base.metadata)
