"""almost_solved counts as solved but is reported (issue 14 item 6)."""

from __future__ import annotations

import warnings

import pytest
import torch

import lpgd_go
from lpgd_go import AlmostSolvedWarning, Status

F64 = torch.float64


def test_almost_solved_warns_once_naming_the_batch_elements() -> None:
    g = torch.Generator().manual_seed(3)
    n, m = 6, 8
    P = torch.eye(n, dtype=F64)
    q = torch.randn(3, n, generator=g, dtype=F64)
    G = torch.randn(m, n, generator=g, dtype=F64)
    h = torch.ones(m, dtype=F64)
    # Two iterations cannot meet 1e-8, but reduced tolerances of 1e3 are met.
    # Polish off: it would replace these iterates by the exact active-set
    # solution (status SOLVED), which is what polish is for.
    loose = {"max_iter": 2, "reduced_tol_gap": 1e3, "reduced_tol_feas": 1e3, "polish": False}
    with pytest.warns(AlmostSolvedWarning, match=r"batch elements \[0, 1, 2\]") as rec:
        x, info = lpgd_go.solve_qp(P, q, G, h, settings=loose, return_info=True)
    assert len([w for w in rec if w.category is AlmostSolvedWarning]) == 1
    assert (info.status == int(Status.ALMOST_SOLVED)).all()
    assert torch.isfinite(x).all()
    # A single problem is named as such; a fully solved call does not warn.
    with pytest.warns(AlmostSolvedWarning, match="the problem ended almost_solved"):
        lpgd_go.solve_qp(P, q[0], G, h, settings=loose)
    with warnings.catch_warnings():
        warnings.simplefilter("error", AlmostSolvedWarning)
        lpgd_go.solve_qp(P, q, G, h)
