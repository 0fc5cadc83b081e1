import pytest

# The helpers' asserts explain their failures like the tests' own.
pytest.register_assert_rewrite("tests.chaos.invariants", "tests.chaos.world", "tests.chaos.harness")
