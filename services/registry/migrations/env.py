from libs.common.migrations import run_env
from services.registry.models import Base

run_env(Base.metadata)
