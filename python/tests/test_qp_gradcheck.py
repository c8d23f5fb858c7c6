"""torch.autograd.gradcheck of solve_qp (backward="kkt") for every argument."""

from __future__ import annotations

import pytest
import torch

from lpgd_go import solve_qp

from conftest import TIGHT, make_qp

ARGS = ("P", "q", "G", "h", "A", "b")


def _sym(M: torch.Tensor) -> torch.Tensor:
    # gradcheck perturbs single entries; solve_qp requires a symmetric P.
    return 0.5 * (M + M.transpose(-1, -2))


@pytest.mark.parametrize("name", ARGS)
@pytest.mark.parametrize("batched", [False, True], ids=["single", "batched"])
def test_gradcheck(lib: object, name: str, batched: bool) -> None:
    qp = make_qp(n=4, m_ineq=5, p=1, n_active=2, seed=3)
    args = dict(zip(ARGS, qp.args(), strict=True))
    if batched:  # batch of 2 for this argument, the others shared
        args[name] = torch.stack([args[name], args[name] * 1.05 if name != "P" else args[name]])
    var = args[name].clone().requires_grad_(True)

    def fn(v: torch.Tensor) -> tuple[torch.Tensor, ...]:
        kw = dict(args)
        kw[name] = _sym(v) if name == "P" else v
        x, info = solve_qp(**kw, settings=TIGHT, return_info=True)
        return x, info.ineq_duals, info.eq_duals, info.slacks

    assert torch.autograd.gradcheck(fn, (var,), eps=1e-6, atol=1e-5, rtol=1e-4)
