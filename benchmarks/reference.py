"""High-precision reference solutions and gradients.

The reference solution comes from lpgd_go's interior-point solver run at
tolerance 1e-12; the reference gradient does NOT use lpgd_go's backward code:
it is a dense numpy solve of the equality-constrained KKT system on the active
set (OptNet's formulas restricted to the active constraints):

    [ P    G_Sᵀ  Aᵀ ] [dz]   [−∂ℓ/∂x]
    [ G_S  0     0  ] [w ] = [  0   ]
    [ A    0     0  ] [dν]   [  0   ]

    ∇q = dz,  ∇b = −dν,  ∇h_S = −w,  ∇A = dν xᵀ + ν dzᵀ,  ∇G = w xᵀ + λ dzᵀ,
    ∇P = ½ (dz xᵀ + x dzᵀ).

The active set starts as S = {i : λ_i > s_i} at the tight solution and is then
certified by an exact "polish" (a primal-dual active-set iteration): the
equality-constrained KKT system on S is solved exactly for (x, λ_S, ν); while
an inactive constraint is violated or an active multiplier is negative, the
worst one is flipped and the system re-solved. The BPQP paper's ε-ridge LPs
need this: their multipliers can be O(ε), so even at tolerance 1e-12 an active
constraint may show λ_i ~ 1e-7 next to s_i ~ 1e-4. The polished (exact) x, λ,
ν replace the interior-point ones. Instances with a weakly active constraint
(λ_i = s_i = 0: the solution map has a kink) or where the polish fails are
marked and left out of the accuracy statistics. Clarabel (an independent
interior-point solver) cross-checks the solution and the active set on a few
instances.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import clarabel
import numpy as np
import scipy.sparse as sp
import torch

import lpgd_go

from .problems import Problem, batch_size, to_torch

#: Tolerances of the reference solve.
TIGHT = {"tol_gap_abs": 1e-12, "tol_gap_rel": 1e-12, "tol_feas": 1e-12, "max_iter": 200}

#: Feasibility tolerances of the polished solution: primal relative to the
#: data scale, dual relative to the largest multiplier.
PRIMAL_TOL = 1e-9
DUAL_TOL = 1e-10
#: A constraint whose exact multiplier (if active) or slack (if inactive) is
#: below this (relative) is weakly active: the solution map has a kink there.
DEGENERATE_TOL = 1e-12
#: Active-set flips tried by the polish before giving up.
MAX_FLIPS = 50


@dataclass
class Reference:
    """Tight solution of a batch (numpy, batch-major).

    Attributes:
        x, lam, nu, slack: primal, inequality duals, equality duals, h − Gx.
        status: solver status per instance.
        active: per instance, the boolean active set of the inequalities.
        certified: per instance, "clear" (well separated), "polished" (ambiguous
            constraints resolved by the exact KKT polish), "degenerate" (several
            assignments are optimal: no derivative) or "unresolved".
        kkt_grad_q: lpgd_go's own kkt gradient of q at tolerance 1e-12 for the
            incoming gradient given to tight_solution (a cross-check of the numpy
            reference gradient), or None.
    """

    x: np.ndarray
    lam: np.ndarray
    nu: np.ndarray
    slack: np.ndarray
    status: np.ndarray
    active: np.ndarray
    certified: np.ndarray
    kkt_grad_q: np.ndarray | None = None

    @property
    def usable(self) -> np.ndarray:
        """Instances with a unique, certified active set (used for accuracy)."""
        return np.isin(self.certified, ("clear", "polished")) & np.all(np.isfinite(self.x), axis=1)

    def describe(self) -> str:
        counts = {c: int(np.count_nonzero(self.certified == c)) for c in _CERT}
        return (
            f"active sets: {counts['clear']} clear, {counts['polished']} polished, "
            f"{counts['degenerate']} degenerate, {counts['unresolved']} unresolved "
            f"(the last two left out); not SOLVED at tol 1e-12: {self.n_not_solved}"
        )

    @property
    def n_not_solved(self) -> int:
        return int(np.count_nonzero(self.status != int(lpgd_go.Status.SOLVED)))


def tight_solution(prob: Problem, gx: np.ndarray | None = None) -> Reference:
    """Solve the batch with lpgd_go at tolerance 1e-12 (and, given ∂ℓ/∂x = gx,
    run lpgd_go's kkt backward for the cross-check gradient of q)."""
    t = to_torch(prob)
    q = t["q"].clone().requires_grad_(gx is not None)
    x, info = lpgd_go.solve_qp(
        t.get("P"),
        q,
        t["G"],
        t["h"],
        t["A"],
        t["b"],
        settings=TIGHT,
        return_info=True,
        on_failure="nan",
    )
    kkt_grad_q = None
    if gx is not None:
        (x * torch.as_tensor(gx)).sum().backward()
        assert q.grad is not None
        kkt_grad_q = q.grad.numpy()
    x = x.detach()
    lam = info.ineq_duals.detach().numpy()
    slack = info.slacks.detach().numpy()
    ref = Reference(
        x=x.numpy().copy(),
        lam=lam.copy(),
        nu=info.eq_duals.detach().numpy().copy(),
        slack=slack.copy(),
        status=info.status.numpy(),
        active=lam > slack,
        certified=np.full(batch_size(prob), "clear", dtype=object),
        kkt_grad_q=kkt_grad_q,
    )
    _certify(prob, ref)
    return ref


_CERT = ("clear", "polished", "degenerate", "unresolved")


def _dense(prob: Problem, k: int) -> tuple[np.ndarray, ...]:
    n = prob["q"].shape[1]
    P = np.zeros((n, n)) if prob["P"] is None else prob["P"][k]
    return P, prob["q"][k], prob["G"][k], prob["h"][k], prob["A"][k], prob["b"][k]


def _kkt_solve(
    P: np.ndarray, G: np.ndarray, A: np.ndarray, S: np.ndarray, rhs: np.ndarray
) -> np.ndarray | None:
    """Solve [[P, G_Sᵀ, Aᵀ], [G_S, 0, 0], [A, 0, 0]] z = rhs (None if singular)."""
    n, p, s = P.shape[0], A.shape[0], len(S)
    GS = G[S]
    K = np.zeros((n + s + p, n + s + p))
    K[:n, :n] = P
    K[:n, n : n + s] = GS.T
    K[:n, n + s :] = A.T
    K[n : n + s, :n] = GS
    K[n + s :, :n] = A
    try:
        return np.linalg.solve(K, rhs)
    except np.linalg.LinAlgError:
        return None


def _certify(prob: Problem, ref: Reference) -> None:
    """Certify each active set by an exact KKT polish (see the module doc)."""
    for k in range(batch_size(prob)):
        if not np.all(np.isfinite(ref.x[k])):
            ref.certified[k] = "unresolved"
            continue
        P, q, G, h, A, b = _dense(prob, k)
        n, m = q.shape[0], G.shape[0]
        scale = max(1.0, float(np.max(np.abs(h))), float(np.max(np.abs(q))))
        lam_scale = max(1e-300, float(np.max(np.abs(ref.lam[k]), initial=0.0)))
        act = ref.active[k].copy()
        changed = False
        for _ in range(MAX_FLIPS):
            S = np.flatnonzero(act)
            sol = _kkt_solve(P, G, A, S, np.concatenate([-q, h[S], b]))
            if sol is None:
                break
            x, lam_S, nu = sol[:n], sol[n : n + len(S)], sol[n + len(S) :]
            lam = np.zeros(m)
            lam[S] = lam_S
            viol = np.where(act, 0.0, (G @ x - h) / scale)
            neg = np.where(act, -lam / lam_scale, 0.0)
            worst_p, worst_d = int(np.argmax(viol)), int(np.argmax(neg))
            if viol[worst_p] <= PRIMAL_TOL and neg[worst_d] <= DUAL_TOL:
                slack = h - G @ x
                weak = (act & (lam <= DEGENERATE_TOL * lam_scale)) | (
                    ~act & (slack <= DEGENERATE_TOL * scale)
                )
                ref.active[k], ref.x[k], ref.lam[k], ref.nu[k] = act, x, lam, nu
                ref.slack[k] = slack
                if weak.any():
                    ref.certified[k] = "degenerate"
                else:
                    ref.certified[k] = "polished" if changed else "clear"
                break
            # Flip the single worst violation (primal: add; dual: drop).
            flip = worst_p if viol[worst_p] / PRIMAL_TOL >= neg[worst_d] / DUAL_TOL else worst_d
            act[flip] = not act[flip]
            changed = True
        else:
            ref.certified[k] = "unresolved"
            continue
        if ref.certified[k] == "clear" and changed:  # pragma: no cover - defensive
            ref.certified[k] = "polished"
        if sol is None:
            ref.certified[k] = "unresolved"


def active_set_grads(prob: Problem, ref: Reference, gx: np.ndarray) -> dict[str, np.ndarray]:
    """Reference gradients of ℓ with ∂ℓ/∂x = gx (batch, n) for q, G, h, A, b, P."""
    B = batch_size(prob)
    n = prob["q"].shape[1]
    out: dict[str, np.ndarray] = {
        "q": np.full((B, n), math.nan),
        "G": np.full(prob["G"].shape, math.nan),
        "h": np.full(prob["h"].shape, math.nan),
        "A": np.full(prob["A"].shape, math.nan),
        "b": np.full(prob["b"].shape, math.nan),
        "P": np.full((B, n, n), math.nan),
    }
    usable = ref.usable
    for k in range(B):
        if not usable[k]:
            continue
        x, lam, nu = ref.x[k], ref.lam[k], ref.nu[k]
        S = np.flatnonzero(ref.active[k])
        P, _, G, _, A, _ = _dense(prob, k)
        s, p = len(S), A.shape[0]
        sol = _kkt_solve(P, G, A, S, np.concatenate([-gx[k], np.zeros(s + p)]))
        if sol is None:
            continue
        dz, w, dnu = sol[:n], sol[n : n + s], sol[n + s :]
        wf = np.zeros(G.shape[0])
        wf[S] = w
        out["q"][k] = dz
        out["b"][k] = -dnu
        out["h"][k] = -wf
        out["A"][k] = np.outer(dnu, x) + np.outer(nu, dz)
        out["G"][k] = np.outer(wf, x) + np.outer(lam, dz)
        out["P"][k] = 0.5 * (np.outer(dz, x) + np.outer(x, dz))
    return out


@dataclass
class CrossCheck:
    """Agreement of the reference with Clarabel on a few instances.

    Attributes:
        instances: how many were checked.
        x_max_abs: max |x_clarabel − x_ref|.
        active_mismatch: instances whose active sets differ.
    """

    instances: int
    x_max_abs: float
    active_mismatch: int

    def describe(self) -> str:
        return (
            f"Clarabel (tol 1e-12) on {self.instances} instances: max |Δx| = "
            f"{self.x_max_abs:.1e}, its active set differs from the certified one on "
            f"{self.active_mismatch}"
        )


def clarabel_check(prob: Problem, ref: Reference, count: int) -> CrossCheck:
    """Solve the first ``count`` instances with Clarabel and compare with ref."""
    count = min(count, batch_size(prob))
    worst = 0.0
    mismatch = 0
    for k in range(count):
        n = prob["q"].shape[1]
        P = np.zeros((n, n)) if prob["P"] is None else prob["P"][k]
        G, A = prob["G"][k], prob["A"][k]
        p, m = A.shape[0], G.shape[0]
        settings = clarabel.DefaultSettings()
        settings.verbose = False
        settings.tol_gap_abs = 1e-12
        settings.tol_gap_rel = 1e-12
        settings.tol_feas = 1e-12
        settings.max_iter = 400
        solver = clarabel.DefaultSolver(
            sp.csc_matrix(np.triu(P)),
            np.ascontiguousarray(prob["q"][k]),
            sp.csc_matrix(np.vstack([A, G])),
            np.concatenate([prob["b"][k], prob["h"][k]]),
            [clarabel.ZeroConeT(p), clarabel.NonnegativeConeT(m)],
            settings,
        )
        sol = solver.solve()
        x = np.asarray(sol.x)
        z = np.asarray(sol.z)[p:]
        s = np.asarray(sol.s)[p:]
        worst = max(worst, float(np.max(np.abs(x - ref.x[k]))))
        if not np.array_equal(z > s, ref.active[k]):
            mismatch += 1
    return CrossCheck(count, worst, mismatch)
