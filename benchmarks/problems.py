"""Random problem generators of the benchmarks (numpy, seeded, batch-major).

A problem is a dict with keys ``P`` (None for an LP), ``q``, ``G``, ``h``,
``A``, ``b``; every array carries a leading batch dimension. All problems are
feasible by construction (``h = G z0 + slack``, ``b = A z0``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

Problem = dict[str, Any]

F64 = torch.float64


def dense_qp(rng: np.random.Generator, batch: int, n: int, m: int, p: int) -> Problem:
    """Dense random QPs in the OptNet style (issue 2):
    P = L Lᵀ / n + 0.1 I with L ~ N(0, 1), q, G, A ~ N(0, 1),
    h = G z0 + U(0, 1) slack, b = A z0 with z0 ~ N(0, 1)."""
    L = rng.standard_normal((batch, n, n))
    P = L @ L.transpose(0, 2, 1) / n + 0.1 * np.eye(n)
    q = rng.standard_normal((batch, n))
    G = rng.standard_normal((batch, m, n))
    A = rng.standard_normal((batch, p, n))
    z0 = rng.standard_normal((batch, n))
    h = np.einsum("bmn,bn->bm", G, z0) + rng.random((batch, m))
    b = np.einsum("bpn,bn->bp", A, z0)
    return {"P": P, "q": q, "G": G, "h": h, "A": A, "b": b}


def box_lp(
    rng: np.random.Generator, batch: int, n: int, m: int, p: int, quadratic: bool = False
) -> Problem:
    """Bounded random LPs (or QPs) for the LPGD benchmark (issue 3):
    m random inequalities G_r x ≤ G_r z0 + U(0, 1), the box −1 ≤ x ≤ 1 (as 2n
    more rows of G), p equalities A x = A z0 with z0 ~ U(−½, ½), cost q ~ N(0, 1);
    with ``quadratic``, P = L Lᵀ / n + 0.1 I."""
    Gr = rng.standard_normal((batch, m, n))
    z0 = rng.uniform(-0.5, 0.5, (batch, n))
    hr = np.einsum("bmn,bn->bm", Gr, z0) + rng.random((batch, m))
    eye = np.broadcast_to(np.eye(n), (batch, n, n))
    G = np.concatenate([Gr, eye, -eye], axis=1)
    h = np.concatenate([hr, np.ones((batch, 2 * n))], axis=1)
    A = rng.standard_normal((batch, p, n))
    b = np.einsum("bpn,bn->bp", A, z0)
    q = rng.standard_normal((batch, n))
    P = None
    if quadratic:
        L = rng.standard_normal((batch, n, n))
        P = L @ L.transpose(0, 2, 1) / n + 0.1 * np.eye(n)
    return {"P": P, "q": q, "G": G, "h": h, "A": A, "b": b}


#: Ridge δ of the BPQP paper's QPs (P = P′ᵀP′ + δI).
BPQP_QP_DELTA = 1e-3
#: Ridge ε of the BPQP paper's LPs (P = εI).
BPQP_LP_EPS = 1e-6


def bpqp_qp(rng: np.random.Generator, batch: int, n: int, k: int) -> Problem:
    """The BPQP paper's random QPs (Pan et al. 2024, sec. 5.1 and its code):
    P′, q, A, G ~ U(0, 1), P = P′ᵀP′ + δI (δ = 1e-3), z′ ~ U(0, 1), h = G z′;
    k equalities and k inequalities. Where the paper draws b ~ U(0, 1), we use
    b = A z′ so that every instance is feasible."""
    Pp = rng.random((batch, n, n))
    P = Pp.transpose(0, 2, 1) @ Pp + BPQP_QP_DELTA * np.eye(n)
    q = rng.random((batch, n))
    A = rng.random((batch, k, n))
    G = rng.random((batch, k, n))
    z = rng.random((batch, n))
    h = np.einsum("bmn,bn->bm", G, z)
    b = np.einsum("bpn,bn->bp", A, z)
    return {"P": P, "q": q, "G": G, "h": h, "A": A, "b": b}


def bpqp_lp(rng: np.random.Generator, batch: int, n: int, k: int) -> Problem:
    """The BPQP paper's random LPs: s0 ~ N(0, 1), λ0 = max(−s0, 0), s0 = max(s0, 0),
    x0 ~ U(0, 1), G, A ~ U(0, 1), b = A x0, h = G x0 + s0, c = −Gᵀλ0 (so (λ0, ν = 0)
    is dual feasible and the LP is bounded), solved with the paper's ε-ridge
    P = εI, ε = 1e-6 (which makes the solution and its gradient unique)."""
    s0 = rng.standard_normal((batch, k))
    lam0 = np.maximum(-s0, 0.0)
    s0 = np.maximum(s0, 0.0)
    x0 = rng.random((batch, n))
    G = rng.random((batch, k, n))
    A = rng.random((batch, k, n))
    b = np.einsum("bpn,bn->bp", A, x0)
    h = np.einsum("bmn,bn->bm", G, x0) + s0
    q = -np.einsum("bmn,bm->bn", G, lam0)
    P = np.broadcast_to(BPQP_LP_EPS * np.eye(n), (batch, n, n)).copy()
    return {"P": P, "q": q, "G": G, "h": h, "A": A, "b": b}


def subset(prob: Problem, idx: slice | list[int] | np.ndarray) -> Problem:
    """The batch elements idx of a problem."""
    return {k: (None if v is None else v[idx]) for k, v in prob.items()}


def batch_size(prob: Problem) -> int:
    return int(prob["q"].shape[0])


def to_torch(prob: Problem) -> dict[str, torch.Tensor]:
    """float64 tensors (P left out for an LP)."""
    return {
        k: torch.as_tensor(np.ascontiguousarray(v), dtype=F64)
        for k, v in prob.items()
        if v is not None
    }
